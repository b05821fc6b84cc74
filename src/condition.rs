//! The condition language shared by skip logic (`asked_if`) and policy rules
//! (`when`): `NAME OP NUMBER`, or `{any: [...]}` / `{all: [...]}`, nestable.
//! Evaluation is three-valued: a condition on a missing value is *unknown*.
//! Pure: no I/O.

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;

use crate::messages::{pick, tr};

/// A number as written (`28`, `2.5`): integer units and decimal places, so
/// comparisons are exact (no float equality anywhere in scoring or policy).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fixed {
    pub units: i64,
    pub decimals: u8,
}

impl Fixed {
    pub const fn int(v: i64) -> Self {
        Fixed {
            units: v,
            decimals: 0,
        }
    }

    pub fn parse(s: &str) -> Option<Fixed> {
        let s = s.trim();
        let (neg, body) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        let (int, frac) = body.split_once('.').unwrap_or((body, ""));
        if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        if !frac.bytes().all(|b| b.is_ascii_digit()) || frac.len() > 6 {
            return None;
        }
        let digits = format!("{int}{frac}");
        let units: i64 = digits.parse().ok()?;
        Some(Fixed {
            units: if neg { -units } else { units },
            decimals: u8::try_from(frac.len()).ok()?,
        })
    }

    /// `self` scaled to `decimals` places (only ever scaled up).
    fn at(self, decimals: u8) -> i128 {
        i128::from(self.units) * 10_i128.pow(u32::from(decimals.saturating_sub(self.decimals)))
    }

    #[inline]
    pub fn cmp_exact(self, other: Fixed) -> std::cmp::Ordering {
        // the usual case: two integers (or two totals at the same precision)
        if self.decimals == other.decimals {
            return self.units.cmp(&other.units);
        }
        let d = self.decimals.max(other.decimals);
        self.at(d).cmp(&other.at(d))
    }
}

impl fmt::Display for Fixed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.decimals == 0 {
            return write!(f, "{}", self.units);
        }
        let p = 10_i64.pow(u32::from(self.decimals));
        let sign = if self.units < 0 { "-" } else { "" };
        let a = self.units.abs();
        write!(
            f,
            "{sign}{}.{:0w$}",
            a / p,
            a % p,
            w = usize::from(self.decimals)
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Ge,
    Gt,
    Le,
    Lt,
    Eq,
}

impl Op {
    pub fn holds(self, ord: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::{Equal, Greater, Less};
        match self {
            Op::Ge => ord != Less,
            Op::Gt => ord == Greater,
            Op::Le => ord != Greater,
            Op::Lt => ord == Less,
            Op::Eq => ord == Equal,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Op::Ge => ">=",
            Op::Gt => ">",
            Op::Le => "<=",
            Op::Lt => "<",
            Op::Eq => "==",
        }
    }
}

/// A condition as written in YAML, names not yet resolved.
#[derive(Debug, Clone, PartialEq)]
pub enum RawCond {
    Leaf(String),
    Any(Vec<RawCond>),
    All(Vec<RawCond>),
}

/// A condition whose names are resolved to `R` (an item or scale reference).
#[derive(Debug, Clone)]
pub enum Cond<R> {
    Cmp {
        name: String,
        target: R,
        op: Op,
        value: Fixed,
    },
    Any(Vec<Cond<R>>),
    All(Vec<Cond<R>>),
}

/// Three-valued truth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tri {
    True,
    False,
    Unknown,
}

/// `any` is decided by the first part that is true, `all` by the first that
/// is false (the rest are not evaluated); otherwise an unknown part leaves
/// it unknown. Shared by the conditions as written and as compiled.
pub fn combine(parts: impl Iterator<Item = Tri>, decisive: Tri) -> Tri {
    let mut unknown = false;
    for t in parts {
        match t {
            t if t == decisive => return decisive,
            Tri::Unknown => unknown = true,
            _ => {}
        }
    }
    match (unknown, decisive) {
        (true, _) => Tri::Unknown,
        (false, Tri::True) => Tri::False,
        (false, _) => Tri::True,
    }
}

/// What a name holds for one person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Val {
    Known(Fixed),
    /// Missing, invalid or incomplete: the condition cannot be decided.
    Missing,
    /// Not applicable (not asked by skip logic, or an instrument not in the
    /// run): the comparison is false, and nothing is missing.
    Absent,
}

/// Every value a name can hold: what a definition is checked against, so
/// a condition no answer can reach is an error instead of a rule that
/// silently never fires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Domain {
    /// Lowest and highest value, in units of 10^-decimals.
    pub min: i64,
    pub max: i64,
    pub decimals: u8,
    /// Totals move in steps of this many units (DASS-21 ×2: 0, 2, 4 …):
    /// the values are `min`, `min + step`, … up to `max`.
    pub step: i64,
    /// The only values it takes, when known (an item's response values).
    pub values: Option<Vec<i64>>,
    /// What the name is, for messages: "answered" or "totals".
    pub kind: DomainKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DomainKind {
    Answer,
    Total,
}

impl Domain {
    /// An item's answers: exactly `values` (integers).
    pub fn answers(values: impl IntoIterator<Item = i64>) -> Domain {
        let mut values: Vec<i64> = values.into_iter().collect();
        values.sort_unstable();
        values.dedup();
        Domain {
            min: values.first().copied().unwrap_or(0),
            max: values.last().copied().unwrap_or(0),
            decimals: 0,
            step: 1,
            values: Some(values),
            kind: DomainKind::Answer,
        }
    }

    /// A scale's totals: from `min` to `max` at `decimals` places, in steps
    /// of `step` units (the scale's multiplier).
    pub fn totals(min: i64, max: i64, decimals: u8, step: i64) -> Domain {
        Domain {
            min,
            max,
            decimals,
            step: step.max(1),
            values: None,
            kind: DomainKind::Total,
        }
    }

    fn fixed(&self, units: i64) -> Fixed {
        Fixed {
            units,
            decimals: self.decimals,
        }
    }

    /// Does some value of the domain satisfy `op value`?
    pub fn can_hold(&self, op: Op, value: Fixed) -> bool {
        self.narrow(&[(op, value)]).is_some()
    }

    /// The values of the domain that satisfy every `op value` of
    /// `constraints`, or `None` when no value does.
    pub fn narrow(&self, constraints: &[(Op, Fixed)]) -> Option<Domain> {
        if let Some(values) = &self.values {
            let kept: Vec<i64> = values
                .iter()
                .copied()
                .filter(|&v| {
                    constraints
                        .iter()
                        .all(|&(op, c)| op.holds(self.fixed(v).cmp_exact(c)))
                })
                .collect();
            return Some(Domain {
                min: *kept.first()?,
                max: *kept.last()?,
                values: Some(kept),
                ..self.clone()
            });
        }
        // exact integer bounds at the finest precision written
        let places = constraints
            .iter()
            .map(|(_, c)| c.decimals)
            .fold(self.decimals, u8::max);
        let scale = |units: i64, decimals: u8| {
            i128::from(units) * 10_i128.pow(u32::from(places - decimals))
        };
        let factor = scale(1, self.decimals);
        let (base, step) = (
            scale(self.min, self.decimals),
            scale(self.step, self.decimals),
        );
        let (mut lo, mut hi) = (base, scale(self.max, self.decimals));
        for &(op, c) in constraints {
            let v = scale(c.units, c.decimals);
            match op {
                Op::Ge => lo = lo.max(v),
                Op::Gt => lo = lo.max(v + 1),
                Op::Le => hi = hi.min(v),
                Op::Lt => hi = hi.min(v - 1),
                Op::Eq => (lo, hi) = (lo.max(v), hi.min(v)),
            }
        }
        // onto the values the domain takes: base + k × step
        let lo = base + (lo - base + step - 1).div_euclid(step) * step;
        let hi = base + (hi - base).div_euclid(step) * step;
        if lo > hi {
            return None;
        }
        Some(Domain {
            min: i64::try_from(lo / factor).ok()?,
            max: i64::try_from(hi / factor).ok()?,
            ..self.clone()
        })
    }

    /// Can a value at the domain's precision equal `value` at all?
    fn precise_enough(&self, value: Fixed) -> bool {
        value.decimals <= self.decimals
            || value.units % 10_i64.pow(u32::from(value.decimals - self.decimals)) == 0
    }

    /// Why `name op value` can never be true, or `None` when it can.
    pub fn never(&self, name: &str, op: Op, value: Fixed) -> Option<String> {
        if self.can_hold(op, value) {
            return None;
        }
        let what = self.kind_word();
        let cond = format!("{name} {} {value}", op.as_str());
        if op == Op::Eq && self.precise_enough(value) && self.step > 1 {
            return Some(tr!(
                "`{cond}` can never be true: {what} of `{name}` {}",
                "`{cond}` 永远不可能成立：`{name}` 的{what}{}",
                self.describe()
            ));
        }
        if op == Op::Eq && !self.precise_enough(value) {
            let precision = if self.decimals == 0 {
                pick("are whole numbers", "都是整数").to_string()
            } else {
                tr!("have {} decimal place(s)", "有 {} 位小数", self.decimals)
            };
            return Some(tr!(
                "`{cond}` can never be true: {what} of `{name}` {precision}",
                "`{cond}` 永远不可能成立：`{name}` 的{what}{precision}"
            ));
        }
        Some(tr!(
            "`{cond}` can never be true: {what} of `{name}` {}",
            "`{cond}` 永远不可能成立：`{name}` 的{what}{}",
            self.describe()
        ))
    }

    /// "answers" or "totals".
    fn kind_word(&self) -> &'static str {
        match self.kind {
            DomainKind::Answer => pick("answers", "答案"),
            DomainKind::Total => pick("totals", "总分"),
        }
    }

    /// "are 0 to 3", "are 1, 2 or 4", "are 0 or 1", "range from 0.00 to 5.00".
    pub fn describe(&self) -> String {
        let (lo, hi) = (self.fixed(self.min), self.fixed(self.max));
        match &self.values {
            Some(v) if v.len() == 1 => tr!("are always {lo}", "总是 {lo}"),
            Some(v) if v.len() == 2 || v.windows(2).any(|w| w[1] != w[0] + 1) => {
                let shown: Vec<String> = v.iter().map(|&x| self.fixed(x).to_string()).collect();
                let (last, rest) = shown.split_last().expect("two values or more");
                match crate::messages::lang() {
                    crate::messages::Lang::En => format!("are {} or {last}", rest.join(", ")),
                    crate::messages::Lang::Zh => format!("为 {} 或 {last}", rest.join("、")),
                }
            }
            Some(_) => tr!("are {lo} to {hi}", "为 {lo} 到 {hi}"),
            None if self.step > 1 => tr!(
                "range from {lo} to {hi} in steps of {}",
                "在 {lo} 到 {hi} 之间，步长 {}",
                self.fixed(self.step)
            ),
            None => tr!("range from {lo} to {hi}", "在 {lo} 到 {hi} 之间"),
        }
    }
}

/// Parse `NAME OP NUMBER`.
pub fn parse_leaf(s: &str) -> Result<(String, Op, Fixed), String> {
    let bad = || {
        tr!(
            "cannot read condition `{s}`: expected `NAME OP NUMBER` with OP one of >= > <= < ==, e.g. `phq9 >= 10`",
            "无法读取条件 `{s}`：应为 `名称 运算符 数字`，运算符为 >= > <= < == 之一，如 `phq9 >= 10`"
        )
    };
    let pos = s.find(['<', '>', '=', '!']).ok_or_else(bad)?;
    let name = s[..pos].trim();
    let rest = &s[pos..];
    let (op, num) = [
        (">=", Op::Ge),
        ("<=", Op::Le),
        ("==", Op::Eq),
        (">", Op::Gt),
        ("<", Op::Lt),
    ]
    .iter()
    .find_map(|(t, op)| rest.strip_prefix(t).map(|n| (*op, n)))
    .ok_or_else(bad)?;
    let valid_name = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if !valid_name {
        return Err(bad());
    }
    let value = Fixed::parse(num).ok_or_else(bad)?;
    Ok((name.to_string(), op, value))
}

impl RawCond {
    /// Resolve names with `resolve` (Ok(None) = drop silently is not offered:
    /// every name must resolve). Errors come as (sub-path, message).
    pub fn bind<R>(
        &self,
        path: &str,
        resolve: &mut impl FnMut(&str) -> Result<R, String>,
    ) -> Result<Cond<R>, Vec<(String, String)>> {
        match self {
            RawCond::Leaf(s) => {
                let (name, op, value) = parse_leaf(s).map_err(|m| vec![(path.to_string(), m)])?;
                let target = resolve(&name).map_err(|m| vec![(path.to_string(), m)])?;
                Ok(Cond::Cmp {
                    name,
                    target,
                    op,
                    value,
                })
            }
            RawCond::Any(parts) | RawCond::All(parts) => {
                let key = if matches!(self, RawCond::Any(_)) {
                    "any"
                } else {
                    "all"
                };
                let mut out = Vec::new();
                let mut errors = Vec::new();
                for (i, p) in parts.iter().enumerate() {
                    match p.bind(&format!("{path}.{key}[{i}]"), resolve) {
                        Ok(c) => out.push(c),
                        Err(e) => errors.extend(e),
                    }
                }
                if !errors.is_empty() {
                    return Err(errors);
                }
                Ok(if key == "any" {
                    Cond::Any(out)
                } else {
                    Cond::All(out)
                })
            }
        }
    }
}

impl<R: PartialEq> Cond<R> {
    /// Could the condition ever be true, given what each reference can hold
    /// (`domain`; `None`: it holds nothing, e.g. an item never asked)? The
    /// comparisons of an `all` are taken together: `x >= 2` and `x < 2`
    /// never are. `given` is what a reference can hold once some others
    /// are narrowed (a total whose items are bounded); it may just return
    /// `domain`.
    pub fn can_hold_given(
        &self,
        domain: &impl Fn(&R) -> Option<Domain>,
        given: &Given<'_, R>,
    ) -> bool {
        match self {
            Cond::Cmp {
                target, op, value, ..
            } => domain(target).is_some_and(|d| d.can_hold(*op, *value)),
            Cond::Any(parts) => parts.iter().any(|p| p.can_hold_given(domain, given)),
            Cond::All(_) => {
                let members = self.all_members();
                members.iter().all(|p| p.can_hold_given(domain, given))
                    && all_conflict(&members, domain, given).is_none()
            }
        }
    }

    /// [`Cond::can_hold_given`] with nothing known beyond each `domain`.
    pub fn can_hold(&self, domain: &impl Fn(&R) -> Option<Domain>) -> bool {
        self.can_hold_given(domain, &|r, _| domain(r))
    }

    /// What an `all` requires, with the `all`s inside it (one with it): its
    /// comparisons and `any`s, in written order. Each node is visited once,
    /// so a deep nest stays linear.
    fn all_members(&self) -> Vec<&Cond<R>> {
        let mut members = Vec::new();
        let mut stack = vec![self];
        while let Some(p) = stack.pop() {
            match p {
                Cond::All(inner) => stack.extend(inner.iter().rev()),
                Cond::Cmp { .. } | Cond::Any(_) => members.push(p),
            }
        }
        members
    }

    /// Every `all` whose comparisons can each be true but never together,
    /// with its YAML path and why: the outermost of `all`s nested in one
    /// another (they are one condition). A comparison that can never be
    /// true alone is [`Cond::never`]'s to report.
    pub fn impossible_alls(
        &self,
        path: &str,
        domain: &impl Fn(&R) -> Option<Domain>,
        given: &Given<'_, R>,
        out: &mut Vec<(String, String)>,
    ) {
        self.find_impossible(path, false, domain, given, out);
    }

    fn find_impossible(
        &self,
        path: &str,
        inside_all: bool,
        domain: &impl Fn(&R) -> Option<Domain>,
        given: &Given<'_, R>,
        out: &mut Vec<(String, String)>,
    ) {
        let (Cond::Any(parts) | Cond::All(parts)) = self else {
            return;
        };
        let is_all = matches!(self, Cond::All(_));
        let key = if is_all { "all" } else { "any" };
        for (i, p) in parts.iter().enumerate() {
            p.find_impossible(&format!("{path}.{key}[{i}]"), is_all, domain, given, out);
        }
        if is_all && !inside_all {
            if let Some(why) = all_conflict(&self.all_members(), domain, given) {
                out.push((
                    path.to_string(),
                    tr!(
                        "`{self}` can never be true: {why}",
                        "`{self}` 永远不可能成立：{why}"
                    ),
                ));
            }
        }
    }
}

/// `op value` comparisons that must all hold.
type Constraints = Vec<(Op, Fixed)>;

/// What a reference can hold given others narrowed to the domains listed.
pub type Given<'a, R> = dyn Fn(&R, &[(&R, Domain)]) -> Option<Domain> + 'a;

/// Why the comparisons among `members` (of one `all`) can never hold
/// together: those on one name leave it no value, or the values they leave
/// some names keep another (a total) from meeting its own. `None` when they
/// can, or when one comparison alone never can (reported as such).
fn all_conflict<R: PartialEq>(
    members: &[&Cond<R>],
    domain: &impl Fn(&R) -> Option<Domain>,
    given: &Given<'_, R>,
) -> Option<String> {
    let mut by_name: Vec<(&R, &str, Constraints)> = Vec::new();
    for p in members {
        if let Cond::Cmp {
            name,
            target,
            op,
            value,
        } = p
        {
            match by_name.iter_mut().find(|(t, _, _)| *t == target) {
                Some((_, _, cs)) => cs.push((*op, *value)),
                None => by_name.push((target, name, vec![(*op, *value)])),
            }
        }
    }
    let none_is = |cs: &[(Op, Fixed)]| {
        let shown: Vec<String> = cs
            .iter()
            .map(|(op, v)| format!("{} {v}", op.as_str()))
            .collect();
        shown.join(pick(" and ", " 且 "))
    };
    let mut narrowed = Vec::new();
    for (target, name, cs) in &by_name {
        let Some(d) = domain(target) else { continue };
        match d.narrow(cs) {
            Some(n) => narrowed.push((*target, n)),
            None if cs.iter().any(|c| !d.can_hold(c.0, c.1)) => return None,
            None => {
                return Some(tr!(
                    "{} of `{name}` {}, and none is {}",
                    "`{name}` 的{}{}，没有一个 {}",
                    d.kind_word(),
                    d.describe(),
                    none_is(cs)
                ))
            }
        }
    }
    for (target, name, cs) in &by_name {
        let Some(d) = given(target, &narrowed) else {
            continue;
        };
        if d.narrow(cs).is_none() {
            return Some(tr!(
                "with those answers, {} of `{name}` {}, and none is {}",
                "在这些答案下，`{name}` 的{}{}，没有一个 {}",
                d.kind_word(),
                d.describe(),
                none_is(cs)
            ));
        }
    }
    None
}

impl<R> Cond<R> {
    /// Evaluate; names whose value is missing are pushed to `missing`.
    pub fn eval<'a>(&'a self, get: &impl Fn(&R) -> Val, missing: &mut Vec<&'a str>) -> Tri {
        match self {
            Cond::Cmp {
                name,
                target,
                op,
                value,
            } => match get(target) {
                Val::Known(v) => {
                    if op.holds(v.cmp_exact(*value)) {
                        Tri::True
                    } else {
                        Tri::False
                    }
                }
                Val::Absent => Tri::False,
                Val::Missing => {
                    missing.push(name);
                    Tri::Unknown
                }
            },
            // `any` is decided by one true part, `all` by one false part;
            // otherwise a missing part leaves it unknown
            Cond::Any(parts) => Self::combine(parts, Tri::True, get, missing),
            Cond::All(parts) => Self::combine(parts, Tri::False, get, missing),
        }
    }

    fn combine<'a>(
        parts: &'a [Cond<R>],
        decisive: Tri,
        get: &impl Fn(&R) -> Val,
        missing: &mut Vec<&'a str>,
    ) -> Tri {
        combine(parts.iter().map(|p| p.eval(get, missing)), decisive)
    }

    /// Every comparison with its YAML path (`rules[0].when.any[1]`), the
    /// path of the whole condition being `path`.
    pub fn comparisons<'a>(&'a self, path: &str, out: &mut Vec<(String, &'a Cond<R>)>) {
        match self {
            Cond::Cmp { .. } => out.push((path.to_string(), self)),
            Cond::Any(parts) | Cond::All(parts) => {
                let key = if matches!(self, Cond::Any(_)) {
                    "any"
                } else {
                    "all"
                };
                for (i, p) in parts.iter().enumerate() {
                    p.comparisons(&format!("{path}.{key}[{i}]"), out);
                }
            }
        }
    }

    /// Why this comparison can never be true, with the reference's values
    /// from `domain`; `None` for a combination or a comparison that can be.
    pub fn never(&self, domain: &impl Fn(&R) -> Option<Domain>) -> Option<String> {
        match self {
            Cond::Cmp {
                name,
                target,
                op,
                value,
            } => domain(target)?.never(name, *op, *value),
            Cond::Any(_) | Cond::All(_) => None,
        }
    }

    /// Every reference the condition reads.
    pub fn targets(&self) -> Vec<&R> {
        match self {
            Cond::Cmp { target, .. } => vec![target],
            Cond::Any(p) | Cond::All(p) => p.iter().flat_map(Cond::targets).collect(),
        }
    }
}

impl<R> fmt::Display for Cond<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cond::Cmp {
                name, op, value, ..
            } => write!(f, "{name} {} {value}", op.as_str()),
            Cond::Any(p) | Cond::All(p) => {
                let join = if matches!(self, Cond::Any(_)) {
                    " or "
                } else {
                    " and "
                };
                let parts: Vec<String> = p
                    .iter()
                    .map(|c| match c {
                        Cond::Cmp { .. } => c.to_string(),
                        _ => format!("({c})"),
                    })
                    .collect();
                f.write_str(&parts.join(join))
            }
        }
    }
}

impl<'de> Deserialize<'de> for RawCond {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawCond;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a condition: \"NAME OP NUMBER\", {any: [...]} or {all: [...]}")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawCond, E> {
                Ok(RawCond::Leaf(v.to_string()))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawCond, A::Error> {
                let key: String = map.next_key()?.ok_or_else(|| {
                    de::Error::custom(pick(
                        "empty condition: expected `any:` or `all:`",
                        "空条件：应为 `any:` 或 `all:`",
                    ))
                })?;
                let parts: Vec<RawCond> = match key.as_str() {
                    "any" | "all" => map.next_value::<Vec<RawCond>>()?,
                    other => return Err(de::Error::unknown_field(other, &["any", "all"])),
                };
                if map.next_key::<String>()?.is_some() {
                    return Err(de::Error::custom(
                        pick(
                            "a condition mapping has exactly one key, `any` or `all`: nest them to combine",
                            "条件映射只能有一个键 `any` 或 `all`：要组合请嵌套",
                        ),
                    ));
                }
                if parts.is_empty() {
                    return Err(de::Error::custom(tr!(
                        "`{key}:` needs at least one condition",
                        "`{key}:` 至少需要一个条件"
                    )));
                }
                Ok(if key == "any" {
                    RawCond::Any(parts)
                } else {
                    RawCond::All(parts)
                })
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn bind(raw: &RawCond) -> Cond<String> {
        raw.bind("when", &mut |n: &str| Ok(n.to_string())).unwrap()
    }

    fn eval(c: &Cond<String>, vals: &[(&str, Val)]) -> (Tri, Vec<String>) {
        let m: HashMap<String, Val> = vals.iter().map(|(k, v)| ((*k).to_string(), *v)).collect();
        let mut missing = Vec::new();
        let t = c.eval(
            &|r: &String| m.get(r).copied().unwrap_or(Val::Missing),
            &mut missing,
        );
        (t, missing.into_iter().map(str::to_string).collect())
    }

    fn known(v: i64) -> Val {
        Val::Known(Fixed::int(v))
    }

    #[test]
    fn parses_each_operator() {
        for (s, op) in [
            ("a >= 1", Op::Ge),
            ("a > 1", Op::Gt),
            ("a <= 1", Op::Le),
            ("a < 1", Op::Lt),
            ("a == 1", Op::Eq),
            ("a>=1", Op::Ge),
        ] {
            assert_eq!(parse_leaf(s).unwrap().1, op, "{s}");
        }
        assert_eq!(
            parse_leaf("who5 <= 28.5").unwrap().2,
            Fixed {
                units: 285,
                decimals: 1
            }
        );
        for bad in [
            "a", "a >> 1", "a => 1", "a >= x", ">= 1", "A >= 1", "a != 1", "a >= ",
        ] {
            assert!(parse_leaf(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn boundaries() {
        let c = bind(&RawCond::Leaf("phq9 >= 10".into()));
        assert_eq!(eval(&c, &[("phq9", known(9))]).0, Tri::False);
        assert_eq!(eval(&c, &[("phq9", known(10))]).0, Tri::True);
        let c = bind(&RawCond::Leaf("x < 2.5".into()));
        assert_eq!(
            eval(
                &c,
                &[(
                    "x",
                    Val::Known(Fixed {
                        units: 249,
                        decimals: 2
                    })
                )]
            )
            .0,
            Tri::True
        );
        assert_eq!(
            eval(
                &c,
                &[(
                    "x",
                    Val::Known(Fixed {
                        units: 250,
                        decimals: 2
                    })
                )]
            )
            .0,
            Tri::False
        );
        let c = bind(&RawCond::Leaf("x == 1".into()));
        assert_eq!(eval(&c, &[("x", known(1))]).0, Tri::True);
        assert_eq!(eval(&c, &[("x", known(0))]).0, Tri::False);
        let c = bind(&RawCond::Leaf("x > 1".into()));
        assert_eq!(eval(&c, &[("x", known(1))]).0, Tri::False);
        let c = bind(&RawCond::Leaf("x <= 1".into()));
        assert_eq!(eval(&c, &[("x", known(1))]).0, Tri::True);
    }

    #[test]
    fn three_valued_logic() {
        let any = bind(&RawCond::Any(vec![
            RawCond::Leaf("a >= 1".into()),
            RawCond::Leaf("b >= 1".into()),
        ]));
        let all = bind(&RawCond::All(vec![
            RawCond::Leaf("a >= 1".into()),
            RawCond::Leaf("b >= 1".into()),
        ]));
        // any: one true part wins over a missing one
        assert_eq!(
            eval(&any, &[("a", known(1)), ("b", Val::Missing)]).0,
            Tri::True
        );
        // any: false + missing is unknown, and names the missing value
        assert_eq!(
            eval(&any, &[("a", known(0)), ("b", Val::Missing)]),
            (Tri::Unknown, vec!["b".to_string()])
        );
        // all: one false part wins over a missing one
        assert_eq!(
            eval(&all, &[("a", known(0)), ("b", Val::Missing)]).0,
            Tri::False
        );
        assert_eq!(
            eval(&all, &[("a", known(1)), ("b", Val::Missing)]).0,
            Tri::Unknown
        );
        assert_eq!(eval(&all, &[("a", known(1)), ("b", known(2))]).0, Tri::True);
        // absent (not asked) is false, not missing
        assert_eq!(
            eval(&any, &[("a", Val::Absent), ("b", Val::Absent)]),
            (Tri::False, vec![])
        );
    }

    #[test]
    fn display_round_trips_meaning() {
        let c = bind(&RawCond::Any(vec![
            RawCond::Leaf("a >= 1".into()),
            RawCond::All(vec![
                RawCond::Leaf("b < 2".into()),
                RawCond::Leaf("c == 0.5".into()),
            ]),
        ]));
        assert_eq!(c.to_string(), "a >= 1 or (b < 2 and c == 0.5)");
    }

    /// Why `c` can never be true in `d`, if it cannot.
    fn never(d: &Domain, c: &str) -> Option<String> {
        let (name, op, value) = parse_leaf(c).unwrap();
        d.never(&name, op, value)
    }

    #[test]
    fn thresholds_no_answer_can_reach() {
        let item = Domain::answers([0, 1, 2, 3]);
        assert_eq!(
            never(&item, "t_1 >= 4").as_deref(),
            Some("`t_1 >= 4` can never be true: answers of `t_1` are 0 to 3")
        );
        assert!(never(&item, "t_1 >= 3").is_none());
        assert!(never(&item, "t_1 > 3").is_some());
        assert!(never(&item, "t_1 < 0").is_some());
        assert!(never(&item, "t_1 <= 0").is_none());
        assert!(never(&item, "t_1 == 3").is_none());
        assert!(never(&item, "t_1 == -1").is_some());
        // a threshold between two answers is reachable; equality is not
        assert!(never(&item, "t_1 >= 2.5").is_none());
        assert_eq!(
            never(&item, "t_1 == 2.5").as_deref(),
            Some("`t_1 == 2.5` can never be true: answers of `t_1` are whole numbers")
        );
        assert!(never(&item, "t_1 == 2.0").is_none());
        let gaps = Domain::answers([1, 2, 4]);
        assert_eq!(
            never(&gaps, "x == 3").as_deref(),
            Some("`x == 3` can never be true: answers of `x` are 1, 2 or 4")
        );
        let total = Domain::totals(0, 27, 0, 1);
        assert_eq!(
            never(&total, "phq9 > 27").as_deref(),
            Some("`phq9 > 27` can never be true: totals of `phq9` range from 0 to 27")
        );
        assert!(never(&total, "phq9 >= 27").is_none());
        assert!(never(&total, "phq9 == 2.5").is_some());
        let mean = Domain::totals(100, 500, 2, 1);
        assert!(never(&mean, "m == 2.5").is_none());
        assert!(never(&mean, "m == 2.505").is_some());
        assert!(never(&mean, "m >= 5.01").is_some());
        assert!(never(&mean, "m < 1").is_some());
    }

    #[test]
    fn a_condition_can_hold_only_through_reachable_parts() {
        let c = bind(&RawCond::Any(vec![
            RawCond::Leaf("a >= 9".into()),
            RawCond::Leaf("b == 1".into()),
        ]));
        let dom = |n: &String| (n == "a" || n == "b").then(|| Domain::answers([0, 1]));
        assert!(c.can_hold(&dom));
        // b never has a value (never asked): only a could, and a cannot
        let only_a = |n: &String| (n == "a").then(|| Domain::answers([0, 1]));
        assert!(!c.can_hold(&only_a));
        let mut parts = Vec::new();
        c.comparisons("asked_if", &mut parts);
        let paths: Vec<&str> = parts.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(paths, ["asked_if.any[0]", "asked_if.any[1]"]);
        assert!(parts[0].1.never(&dom).is_some());
        assert!(parts[1].1.never(&dom).is_none());
    }

    #[test]
    fn totals_in_steps_never_take_the_values_between() {
        let dass = Domain::totals(0, 42, 0, 2);
        assert_eq!(
            never(&dass, "d == 21").as_deref(),
            Some("`d == 21` can never be true: totals of `d` range from 0 to 42 in steps of 2")
        );
        assert!(never(&dass, "d == 22").is_none());
        assert!(never(&dass, "d >= 21").is_none());
        assert!(never(&dass, "d > 42").is_some());
        let who5 = Domain::totals(0, 100, 0, 4);
        assert!(never(&who5, "w == 2").is_some());
        assert!(never(&who5, "w == 52").is_none());
        // between two steps, nothing
        assert!(who5
            .narrow(&[(Op::Ge, Fixed::int(49)), (Op::Le, Fixed::int(51))])
            .is_none());
        let mean = Domain::totals(0, 500, 2, 1);
        assert!(never(&mean, "m == 2.5").is_none());
        assert!(never(&mean, "m == 2.505").is_some());
    }

    #[test]
    fn an_all_whose_comparisons_leave_no_value_can_never_hold() {
        let dom = |n: &String| match n.as_str() {
            "total" => Some(Domain::totals(0, 27, 0, 1)),
            _ => Some(Domain::answers([0, 1, 2, 3])),
        };
        let all = |parts: &[&str]| {
            bind(&RawCond::All(
                parts.iter().map(|p| RawCond::Leaf((*p).into())).collect(),
            ))
        };
        let c = all(&["a >= 2", "a < 2"]);
        assert!(!c.can_hold(&dom));
        let mut out = Vec::new();
        c.impossible_alls("when", &dom, &|r, _| dom(r), &mut out);
        assert_eq!(
            out,
            [(
                "when".to_string(),
                "`a >= 2 and a < 2` can never be true: answers of `a` are 0 to 3, and none is >= 2 and < 2".to_string()
            )]
        );
        assert!(all(&["a >= 2", "a < 3", "b == 0"]).can_hold(&dom));
        // an `all` inside an `all` counts with it
        let deep = bind(&RawCond::All(vec![
            RawCond::Leaf("a >= 2".into()),
            RawCond::All(vec![
                RawCond::Leaf("b == 0".into()),
                RawCond::Leaf("a <= 1".into()),
            ]),
        ]));
        assert!(!deep.can_hold(&dom));
        let mut out = Vec::new();
        deep.impossible_alls("when", &dom, &|r, _| dom(r), &mut out);
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!(out[0].0, "when");
        // the innermost impossible `all` is reported, once
        let nested = bind(&RawCond::Any(vec![
            RawCond::Leaf("b >= 1".into()),
            RawCond::All(vec![
                RawCond::Leaf("a == 1".into()),
                RawCond::Leaf("a == 2".into()),
            ]),
        ]));
        let mut out = Vec::new();
        nested.impossible_alls("when", &dom, &|r, _| dom(r), &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].0, "when.any[1]");
        assert!(nested.can_hold(&dom));
        // a total bounded by its items: `given` narrows it
        let given = |r: &String, narrowed: &[(&String, Domain)]| {
            if r != "total" {
                return dom(r);
            }
            let zero = narrowed
                .iter()
                .filter(|(n, d)| n.as_str() != "total" && d.max == 0)
                .count();
            Some(Domain::totals(
                0,
                27 - 3 * i64::try_from(zero).unwrap(),
                0,
                1,
            ))
        };
        let c = all(&["total >= 20", "a == 0", "b == 0", "c == 0"]);
        assert!(c.can_hold(&dom));
        assert!(!c.can_hold_given(&dom, &given));
        let mut out = Vec::new();
        c.impossible_alls("when", &dom, &given, &mut out);
        assert_eq!(
            out[0].1,
            "`total >= 20 and a == 0 and b == 0 and c == 0` can never be true: with those answers, totals of `total` range from 0 to 18, and none is >= 20"
        );
    }

    #[test]
    fn fixed_display_and_compare() {
        assert_eq!(
            Fixed {
                units: 305,
                decimals: 2
            }
            .to_string(),
            "3.05"
        );
        assert_eq!(
            Fixed {
                units: -5,
                decimals: 1
            }
            .to_string(),
            "-0.5"
        );
        assert_eq!(
            Fixed::int(3).cmp_exact(Fixed {
                units: 300,
                decimals: 2
            }),
            std::cmp::Ordering::Equal
        );
    }
}
