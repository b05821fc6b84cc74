//! The crisis texts of a policy, one per audience: what the person answering
//! reads on the crisis screen (supportive, "tell the person with you") and
//! what staff read (the protocol: in the results, on stderr, in the report).
//! The respondent never sees the staff text: a missing respondent text gives
//! a built-in supportive one, never the staff protocol.

use serde::Deserialize;

use crate::diag::Diagnostic;
use crate::instrument::{Lang, Text};
use crate::yaml;

/// `crisis_message` as written: `{respondent: {en, zh}, staff: {en, zh}}`,
/// or the older single text `{en, zh}` (read as the staff text).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCrisis {
    #[serde(default)]
    respondent: Option<Text>,
    #[serde(default)]
    staff: Option<Text>,
    #[serde(default)]
    en: Option<String>,
    #[serde(default)]
    zh: Option<String>,
}

/// A policy's crisis texts; `None` where the policy has none.
#[derive(Debug, Clone, Default)]
pub struct CrisisMessage {
    pub respondent: Option<Text>,
    pub staff: Option<Text>,
}

/// Shown on the respondent's screen when the policy has no respondent text
/// in the language of the session. The crisis lines follow it.
const RESPONDENT_DEFAULT_EN: &str = "Thank you for answering honestly. What you are going through matters, and you do not have to face it alone: help is available right now. Please tell the person who is with you, or who asked you to fill this in, how you are feeling. You can also call one of the crisis lines below at any time. If you feel you might hurt yourself, call your local emergency number now.";
const RESPONDENT_DEFAULT_ZH: &str = "谢谢你如实作答。你正在经历的事情很重要，你不必一个人扛着，现在就可以得到帮助。请把你现在的感受告诉此刻陪在你身边的人，或者请你填写问卷的老师、工作人员。你也可以随时拨打下面的心理援助热线。如果你觉得自己可能会伤害自己，请马上拨打当地的急救电话。";

/// The protocol when the policy has no staff text: no region's numbers, as
/// a user policy may be for any region.
const STAFF_DEFAULT_EN: &str = "RISK FLAG: an answer reached the policy's top level: this person may be at risk of suicide or self-harm. Follow your crisis protocol now: do not leave them alone, and arrange a same-day suicide risk assessment by a qualified professional. If there is immediate danger, call the local emergency number.";
const STAFF_DEFAULT_ZH: &str = "风险提示：有作答达到了策略的最高级别，此人可能有自杀或自伤风险。请立即按危机干预流程处理：不要让其独处，并安排合格的专业人员当天进行自杀风险评估。如有紧迫危险，请拨打当地急救电话。";

/// The text of `t` in exactly `lang`, when it has one that is not blank.
fn exactly(t: Option<&Text>, lang: Lang) -> Option<&str> {
    let t = t?;
    match lang {
        Lang::En => t.en.as_deref(),
        Lang::Zh => t.zh.as_deref(),
    }
    .map(str::trim)
    .filter(|s| !s.is_empty())
}

impl CrisisMessage {
    /// What the respondent reads: the policy's text in `lang`, else the
    /// built-in supportive text in `lang` (never the staff text, and never
    /// a language the respondent may not read).
    pub fn respondent(&self, lang: Lang) -> &str {
        exactly(self.respondent.as_ref(), lang).unwrap_or(match lang {
            Lang::En => RESPONDENT_DEFAULT_EN,
            Lang::Zh => RESPONDENT_DEFAULT_ZH,
        })
    }

    /// What staff read: the policy's protocol in `lang`, else in its other
    /// language (a service's own protocol says more than a generic one),
    /// else the built-in one.
    pub fn staff(&self, lang: Lang) -> &str {
        let other = match lang {
            Lang::En => Lang::Zh,
            Lang::Zh => Lang::En,
        };
        exactly(self.staff.as_ref(), lang)
            .or_else(|| exactly(self.staff.as_ref(), other))
            .unwrap_or(match lang {
                Lang::En => STAFF_DEFAULT_EN,
                Lang::Zh => STAFF_DEFAULT_ZH,
            })
    }
}

/// The languages a policy's texts are written in.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Languages {
    pub en: bool,
    pub zh: bool,
}

impl Languages {
    pub fn note(&mut self, t: &Text) {
        self.en |= t.en.as_deref().is_some_and(|s| !s.trim().is_empty());
        self.zh |= t.zh.as_deref().is_some_and(|s| !s.trim().is_empty());
    }

    pub fn note_lang(&mut self, lang: &str) {
        match lang {
            "en" => self.en = true,
            "zh" => self.zh = true,
            _ => {}
        }
    }
}

/// Read `crisis_message`. `Err` for a form that cannot be read safely (both
/// forms at once); otherwise the texts and what is missing from them: a
/// warning on every load, an error in `policy validate`.
pub(super) fn read(
    raw: Option<&RawCrisis>,
    used: Languages,
    file: &str,
    idx: &yaml::Index,
) -> Result<(CrisisMessage, Vec<Diagnostic>), Diagnostic> {
    let at = |path: &str, msg: String| Diagnostic::new(file, path, msg).at(idx.span(path));
    let Some(raw) = raw else {
        // no crisis_message: the built-in texts, on purpose
        return Ok((CrisisMessage::default(), Vec::new()));
    };
    let single = raw.en.is_some() || raw.zh.is_some();
    let split = raw.respondent.is_some() || raw.staff.is_some();
    let two_keys = crate::messages::pick(
        "`crisis_message: {respondent: {en: ..., zh: ...}, staff: {en: ..., zh: ...}}`",
        "分开写两种文本：`crisis_message: {respondent: {en: ..., zh: ...}, staff: {en: ..., zh: ...}}`",
    );
    if single && split {
        return Err(at(
            "crisis_message",
            crate::messages::pick(
                "crisis_message has both a single text (`en`/`zh`) and `respondent`/`staff`: it is unclear which the respondent would read",
                "crisis_message 既有单一文本（`en`/`zh`）又有 `respondent`/`staff`：无法确定作答者会看到哪一个",
            )
            .into(),
        )
        .expected(two_keys));
    }
    if single {
        // the old form was written for staff ("do not leave them alone"):
        // it must never reach the respondent's screen
        let staff = Text {
            en: raw.en.clone(),
            zh: raw.zh.clone(),
        };
        let gap = at(
            "crisis_message",
            crate::messages::pick(
                "crisis_message has one text for everyone: it is used as the staff protocol only (results, stderr, report); the respondent's crisis screen shows a built-in supportive text until you add a `respondent` text",
                "crisis_message 只有一段给所有人的文本：它只用作工作人员的处理流程（结果、标准错误输出、报告）；在你加上 `respondent` 文本之前，作答者的危机提示界面显示内置的支持性文本",
            )
            .into(),
        )
        .expected(two_keys);
        return Ok((
            CrisisMessage {
                respondent: None,
                staff: Some(staff),
            },
            vec![gap],
        ));
    }
    let mut used = used;
    for t in [&raw.respondent, &raw.staff].into_iter().flatten() {
        used.note(t);
    }
    let mut gaps = Vec::new();
    for (key, text, who) in [
        (
            "respondent",
            &raw.respondent,
            crate::messages::pick(
                "what the person answering reads on the crisis screen",
                "作答者在危机提示界面上读到的文字",
            ),
        ),
        (
            "staff",
            &raw.staff,
            crate::messages::pick("the protocol staff read", "工作人员读的处理流程"),
        ),
    ] {
        let path = format!("crisis_message.{key}");
        let Some(text) = text else {
            gaps.push(
                at(
                    "crisis_message",
                    crate::messages::tr!(
                        "crisis_message has no `{key}` text ({who}): the built-in one is used",
                        "crisis_message 没有 `{key}` 文本（{who}）：使用内置文本"
                    ),
                )
                .expected(two_keys),
            );
            continue;
        };
        for (lang, code, language, is_used) in [
            (
                Lang::En,
                "en",
                crate::messages::pick("English", "英文"),
                used.en,
            ),
            (
                Lang::Zh,
                "zh",
                crate::messages::pick("Chinese", "中文"),
                used.zh,
            ),
        ] {
            if is_used && exactly(Some(text), lang).is_none() {
                gaps.push(
                    at(
                        &path,
                        crate::messages::tr!(
                            "crisis_message.{key} has no {language} text ({who}), but the policy is written in {language} too",
                            "crisis_message.{key} 没有{language}文本（{who}），但策略中也用了{language}"
                        ),
                    )
                    .expected(format!("`{code}: ...`")),
                );
            }
        }
    }
    Ok((
        CrisisMessage {
            respondent: raw.respondent.clone(),
            staff: raw.staff.clone(),
        },
        gaps,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(en: Option<&str>, zh: Option<&str>) -> Option<Text> {
        Some(Text {
            en: en.map(str::to_string),
            zh: zh.map(str::to_string),
        })
    }

    #[test]
    fn the_respondent_never_reads_the_staff_text() {
        let only_staff = CrisisMessage {
            respondent: None,
            staff: text(Some("RISK FLAG: do not leave them alone"), None),
        };
        for lang in [Lang::En, Lang::Zh] {
            assert!(!only_staff.respondent(lang).contains("RISK FLAG"));
        }
        assert_eq!(
            only_staff.staff(Lang::Zh),
            "RISK FLAG: do not leave them alone",
            "a service's own protocol, even in its other language"
        );
        // an English respondent text is not shown to a Chinese respondent
        let english = CrisisMessage {
            respondent: text(Some("Tell the person with you."), Some("  ")),
            staff: None,
        };
        assert_eq!(english.respondent(Lang::En), "Tell the person with you.");
        assert_eq!(english.respondent(Lang::Zh), RESPONDENT_DEFAULT_ZH);
        assert_eq!(english.staff(Lang::En), STAFF_DEFAULT_EN);
    }

    #[test]
    fn the_built_in_texts_are_for_their_audience() {
        for t in [RESPONDENT_DEFAULT_EN, RESPONDENT_DEFAULT_ZH] {
            assert!(!t.contains("RISK") && !t.contains("风险"), "{t}");
        }
        assert!(RESPONDENT_DEFAULT_EN.contains("tell the person who is with you"));
        assert!(RESPONDENT_DEFAULT_ZH.contains("陪在你身边的人"));
        assert!(STAFF_DEFAULT_EN.contains("do not leave them alone"));
    }
}
