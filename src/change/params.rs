//! The values reliable change is judged by, per scale of a run: the
//! instrument's published ones, or those given on the command line
//! (`[SCALE=]VALUE`), which override them.

use std::collections::HashMap;

use super::{criterion, Given, Params};
use crate::messages::tr;
use crate::score::Battery;

/// `[SCALE=]VALUE` lists: per scale id, with `*` for a bare value.
fn per_scale(
    flag: &str,
    values: &[String],
    battery: &Battery,
) -> anyhow::Result<HashMap<String, f64>> {
    let mut out = HashMap::new();
    for v in values {
        let (scale, num) = v
            .split_once('=')
            .map_or(("*", v.as_str()), |(s, n)| (s.trim(), n));
        anyhow::ensure!(
            scale == "*" || battery.scales().any(|(_, _, s)| s.id == scale),
            tr!(
                "{flag} {v}: `{scale}` is no scale of the run",
                "{flag} {v}：`{scale}` 不是本次量表的分量表"
            )
        );
        let x: f64 = num.trim().parse().map_err(|_| {
            anyhow::anyhow!(tr!("{flag} {v}: not a number", "{flag} {v}：不是数字"))
        })?;
        out.insert(scale.to_string(), x);
    }
    Ok(out)
}

/// Each scale's params: the instrument's change facts, the command line's
/// values over them; a scale with neither is an error naming what to give.
///
/// `given`: the `--reliability`, `--sd` and `--reliable-change` values.
/// Returns the params and, per scale, where its criterion comes from.
pub fn params(
    battery: &Battery,
    (reliability, sd, threshold): (&[String], &[String], &[String]),
) -> anyhow::Result<(Vec<Params>, Vec<String>)> {
    let r = per_scale("--reliability", reliability, battery)?;
    let sd = per_scale("--sd", sd, battery)?;
    let t = per_scale("--reliable-change", threshold, battery)?;
    let mut notes = Vec::new();
    let pick = |m: &HashMap<String, f64>, id: &str| m.get(id).or_else(|| m.get("*")).copied();
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (k, inst, scale) in battery.scales() {
        let local = k - battery
            .scales()
            .position(|(_, i, _)| std::ptr::eq(i, inst))
            .unwrap_or(k);
        let facts = inst.change.as_ref().and_then(|c| c.scales.get(local));
        let given = Given {
            reliability: pick(&r, &scale.id),
            sd: pick(&sd, &scale.id),
            threshold: pick(&t, &scale.id),
        };
        let Some(facts) = facts else {
            let (id, file) = (&scale.id, &inst.origin);
            errors.push(tr!("{id}: the instrument says not which way is worse: add `change: {{higher_is: worse}}` (or better) to {file}", "{id}：量表未说明分数方向：请在 {file} 中加入 `change: {{higher_is: worse}}`（或 better）"));
            continue;
        };
        match criterion(scale, Some(facts), given) {
            Ok((c, why)) => {
                notes.push(format!("{}: {why}", scale.id));
                out.push(Params::new(facts, c, scale));
            }
            Err(e) => errors.push(e),
        }
    }
    anyhow::ensure!(errors.is_empty(), "{}", errors.join("\n"));
    Ok((out, notes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_per_scale_or_for_all() {
        let b = Battery::new(crate::instrument::resolve(&["who5".into()]).unwrap());
        let m = per_scale("--sd", &["10".into(), "who5_raw=2.5".into()], &b).unwrap();
        assert_eq!((m["*"], m["who5_raw"]), (10.0, 2.5));
        let e = per_scale("--sd", &["x=1".into()], &b)
            .unwrap_err()
            .to_string();
        assert_eq!(e, "--sd x=1: `x` is no scale of the run");
        let e = per_scale("--sd", &["who5=ten".into()], &b)
            .unwrap_err()
            .to_string();
        assert_eq!(e, "--sd who5=ten: not a number");
        let (p, notes) = params(
            &b,
            (
                &["0.84".into()],
                &["who5=10".into(), "who5_raw=2.5".into()],
                &[],
            ),
        )
        .unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(
            notes[1],
            "who5_raw: RC with r = 0.84 (given) and SD = 2.5 (given)"
        );
    }
}
