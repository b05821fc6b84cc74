//! Known answers, computed by hand (formula in each comment).

use super::*;

/// PHQ-9 (Kroenke 2001): the clinical range from `moderate`, a total of 10, up.
fn phq9_like(criterion: Criterion) -> Params {
    Params {
        higher_is: HigherIs::Worse,
        criterion: Some(criterion),
        decimals: 0,
        clinical_from: Some(10),
        remission_below: Some(5),
        response_milli: Some(500),
    }
}

fn t(units: i64) -> Option<Total> {
    Some(Total {
        units,
        prorated: false,
    })
}

fn prorated(units: i64) -> Option<Total> {
    Some(Total {
        units,
        prorated: true,
    })
}

#[test]
fn s_diff_by_hand() {
    // r = .84, SD = 5: SE = 5 · √(1 − .84) = 5 · 0.4 = 2.0;
    // S_diff = √2 · 2.0 = 2.828427…
    let Criterion::Rci { s_diff } = Criterion::from_reliability(0.84, 5.0) else {
        panic!()
    };
    assert!((s_diff - 2.828_427).abs() < 1e-6, "{s_diff}");
}

#[test]
fn reliable_change_index_by_hand() {
    let p = phq9_like(Criterion::from_reliability(0.84, 5.0));
    // 15 → 9: RC = (9 − 15) / 2.828427 = −2.1213 → |RC| > 1.96, and lower
    // is better on PHQ-9: reliably improved
    let o = judge(&p, t(15), t(9));
    assert_eq!(o.change, Some(-6));
    assert!((o.rc.unwrap() + 2.121_320).abs() < 1e-5, "{:?}", o.rc);
    assert_eq!(o.reliable, Reliable::Improved);
    // 15 → 10: RC = −5 / 2.828427 = −1.7678 → no reliable change
    let o = judge(&p, t(15), t(10));
    assert!((o.rc.unwrap() + 1.767_767).abs() < 1e-5);
    assert_eq!(o.reliable, Reliable::NoChange);
    // 9 → 15: RC = +2.1213 → reliably deteriorated
    assert_eq!(judge(&p, t(9), t(15)).reliable, Reliable::Deteriorated);
}

#[test]
fn a_higher_is_better_scale_turns_the_direction() {
    // WHO-5 (%), r = .84, SD = 10: SE = 10 · 0.4 = 4; S_diff = √2 · 4 = 5.656854
    let p = Params {
        higher_is: HigherIs::Better,
        criterion: Some(Criterion::from_reliability(0.84, 10.0)),
        decimals: 0,
        // WHO-5's `poor` band ends at 50: clinical at 50 and below
        clinical_from: Some(50),
        remission_below: None,
        response_milli: None,
    };
    // 40 → 52: RC = 12 / 5.656854 = 2.1213: higher is better, improved
    let o = judge(&p, t(40), t(52));
    assert!((o.rc.unwrap() - 2.121_320).abs() < 1e-5);
    assert_eq!(o.reliable, Reliable::Improved);
    // from `poor` (≤ 50, clinical) to 52: recovered
    assert_eq!(o.clinical, Clinical::Recovered);
    // 52 → 40: deteriorated, into the clinical range
    let o = judge(&p, t(52), t(40));
    assert_eq!(o.reliable, Reliable::Deteriorated);
    assert_eq!(o.clinical, Clinical::IntoClinical);
    assert_eq!(
        (o.response, o.remission),
        (Met::NotApplicable, Met::NotApplicable),
        "not declared"
    );
}

#[test]
fn a_published_threshold_is_reached_at_exactly_its_value() {
    // IAPT's PHQ-9 criterion: a change of 6 or more is reliable
    let p = phq9_like(Criterion::Threshold { units: 6 });
    let o = judge(&p, t(15), t(9));
    assert_eq!((o.reliable, o.rc), (Reliable::Improved, None));
    assert_eq!(judge(&p, t(15), t(10)).reliable, Reliable::NoChange);
    assert_eq!(judge(&p, t(3), t(9)).reliable, Reliable::Deteriorated);
}

#[test]
fn recovery_and_deterioration_at_the_band_edges() {
    let p = phq9_like(Criterion::Threshold { units: 6 });
    // 15 → 9: reliable (6), from clinical (≥ 10) to 9, outside: recovered
    assert_eq!(judge(&p, t(15), t(9)).clinical, Clinical::Recovered);
    // 16 → 10: reliable, but 10 is still clinical
    assert_eq!(judge(&p, t(16), t(10)).clinical, Clinical::No);
    // 14 → 9: outside now, but a change of 5 is not reliable
    assert_eq!(judge(&p, t(14), t(9)).clinical, Clinical::No);
    // 4 → 10: reliable and into the clinical range
    assert_eq!(judge(&p, t(4), t(10)).clinical, Clinical::IntoClinical);
    // 3 → 9: reliable, but 9 is not clinical
    assert_eq!(judge(&p, t(3), t(9)).clinical, Clinical::No);
}

#[test]
fn response_and_remission_at_their_boundaries() {
    let p = phq9_like(Criterion::Threshold { units: 6 });
    // 10 → 5: (10 − 5) / 10 = 50 % exactly: a response; 5 is not < 5
    let o = judge(&p, t(10), t(5));
    assert_eq!((o.response, o.remission), (Met::Yes, Met::No));
    // 10 → 6: 40 %: no response; 12 → 4: 66.7 %, and 4 < 5: remission
    assert_eq!(judge(&p, t(10), t(6)).response, Met::No);
    let o = judge(&p, t(12), t(4));
    assert_eq!((o.response, o.remission), (Met::Yes, Met::Yes));
    // a baseline of 9 is outside the clinical range (< 10): 9 → 4 is
    // neither a response nor a remission, there was none to have
    let o = judge(&p, t(9), t(4));
    assert_eq!(
        (o.response, o.remission),
        (Met::NotApplicable, Met::NotApplicable)
    );
    // without a clinical cut-off: a baseline of 0 cannot be halved, and a
    // baseline under the remission cut-off cannot remit
    let q = Params {
        clinical_from: None,
        ..p
    };
    let o = judge(&q, t(0), t(0));
    assert_eq!(
        (o.response, o.remission),
        (Met::NotApplicable, Met::NotApplicable)
    );
    assert_eq!(judge(&q, t(6), t(3)).response, Met::Yes);
    assert_eq!(judge(&q, t(5), t(4)).remission, Met::Yes);
}

#[test]
fn prorated_totals_never_count_as_improvement() {
    let p = phq9_like(Criterion::Threshold { units: 6 });
    // 16 → 4 with the last total prorated: would be improved, recovered,
    // a response and a remission; none is counted
    let o = judge(&p, t(16), prorated(4));
    assert_eq!(o.reliable, Reliable::Uncertain);
    assert_eq!(o.clinical, Clinical::Unknown);
    assert_eq!((o.response, o.remission), (Met::Unknown, Met::Unknown));
    assert!(o.prorated);
    // a deterioration still counts
    let o = judge(&p, prorated(4), t(12));
    assert_eq!(o.reliable, Reliable::Deteriorated);
    assert_eq!(o.clinical, Clinical::IntoClinical);
}

#[test]
fn incomplete_totals_give_no_verdict() {
    let p = phq9_like(Criterion::Threshold { units: 6 });
    for (b, l) in [(None, t(3)), (t(20), None), (None, None)] {
        let o = judge(&p, b, l);
        assert_eq!(o.reliable, Reliable::Unknown);
        assert_eq!(o.change, None);
        assert_eq!((o.response, o.remission), (Met::Unknown, Met::Unknown));
    }
}

#[test]
fn risk_trajectories() {
    let cases = [
        ((Some(0), Some(0)), Trajectory::None),
        ((Some(0), Some(2)), Trajectory::New),
        ((Some(2), Some(2)), Trajectory::Persisting),
        ((Some(2), Some(1)), Trajectory::Persisting),
        ((Some(1), Some(3)), Trajectory::Escalated),
        ((Some(2), Some(0)), Trajectory::Resolved),
        ((Some(2), None), Trajectory::Unknown),
        ((None, Some(0)), Trajectory::Unknown),
    ];
    for ((b, l), want) in cases {
        assert_eq!(Trajectory::of(b, l), want, "{b:?} → {l:?}");
    }
}

#[test]
fn the_criterion_comes_from_the_command_line_then_the_instrument() {
    let phq9 = crate::instrument::builtin("phq9").unwrap().unwrap();
    let (scale, facts) = (&phq9.scales[0], phq9.change.as_ref().map(|c| &c.scales[0]));
    // published: the IAPT threshold of 6
    let (c, why) = criterion(scale, facts, Given::default()).unwrap();
    assert_eq!(c, Some(Criterion::Threshold { units: 6 }));
    assert!(why.contains("Lawn"), "{why}");
    // given r and SD win (an SD is sample-dependent)
    let given = Given {
        reliability: Some(0.84),
        sd: Some(5.0),
        threshold: None,
    };
    let (c, _) = criterion(scale, facts, given).unwrap();
    assert_eq!(c, Some(Criterion::from_reliability(0.84, 5.0)));
    // half of a pair is an error; nothing at all is no verdict
    let half = Given {
        reliability: Some(0.84),
        ..Given::default()
    };
    assert!(criterion(scale, facts, half).unwrap_err().contains("--sd"));
    let k10 = crate::instrument::builtin("k10").unwrap().unwrap();
    let (c, why) = criterion(&k10.scales[0], None, Given::default()).unwrap();
    assert_eq!(c, None);
    assert!(why.contains("--reliable-change k10=N"), "{why}");
}

/// No reliable-change value (ASQ, K10 without flags): the change is
/// computed, never judged reliable, and no clinical verdict rests on it;
/// response and remission do not need it.
#[test]
fn without_a_criterion_the_change_is_shown_not_judged() {
    let p = Params {
        criterion: None,
        ..phq9_like(Criterion::Threshold { units: 6 })
    };
    let o = judge(&p, t(16), t(3));
    assert_eq!(o.change, Some(-13));
    assert_eq!(o.rc, None);
    assert_eq!(o.reliable, Reliable::NotJudged);
    assert_eq!(o.reliable.as_str(), "");
    assert_eq!(o.clinical, Clinical::Unknown);
    assert_eq!((o.response, o.remission), (Met::Yes, Met::Yes));
}

/// The trajectories levels allow. Certain levels: one. A level that rests
/// on a missing value (`(0, top)`): every one it could be, so `risk_new`
/// is not known for a blank at the last wave, but known false for a blank
/// at the baseline and a clear last wave (no risk there is no new risk).
#[test]
fn risks_from_levels_known_and_not() {
    let certain = |l: usize| (l, l);
    let open = (0, 3);
    let r = Risks::of(certain(0), certain(2), (0, 0));
    assert_eq!(
        (r.trajectory(), r.is(Trajectory::New)),
        (Trajectory::New, Some(true))
    );
    // none → blank at the last wave
    let r = Risks::of(certain(0), open, (0, 0));
    assert_eq!(r.trajectory(), Trajectory::Unknown);
    assert_eq!(r.is(Trajectory::New), None);
    assert_eq!(r.is(Trajectory::Escalated), Some(false));
    // blank at the baseline → none
    let r = Risks::of(open, certain(0), (0, 0));
    assert_eq!(r.trajectory(), Trajectory::Unknown);
    assert_eq!(r.is(Trajectory::New), Some(false));
    assert_eq!(r.is(Trajectory::Resolved), None);
    // a risk between: certain, or resting on a missing value
    assert_eq!(
        Risks::of(certain(0), certain(0), (2, 2)).trajectory(),
        Trajectory::Resolved
    );
    let r = Risks::of(certain(0), certain(0), (0, 3));
    assert_eq!(r.is(Trajectory::Resolved), None);
    assert_eq!(r.is(Trajectory::New), Some(false));
    assert_eq!(
        Risks::of(certain(1), certain(1), (0, 0)).trajectory(),
        Trajectory::Persisting
    );
    // not computed: nothing known
    assert_eq!(Risks::UNKNOWN.is(Trajectory::None), None);
    assert_eq!(Risks::UNKNOWN.trajectory(), Trajectory::Unknown);
}
