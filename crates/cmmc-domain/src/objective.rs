//! The lines of a practice's assessment objectives, as NIST SP 800-171A and
//! 800-172A print them: a lettered objective `[a] text`, or (Level 3) an
//! organisation-defined parameter `[ODP1] text`, which is not an objective.

/// What an objective line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectiveKind {
    /// `[a]`, `[b]`, ... `[aa]`: an objective that is assessed.
    Lettered,
    /// `[ODP1]`, ...: an organisation-defined parameter, assessed with the objectives.
    Parameter,
}

/// One objective line, split into its label and text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ObjectiveLine<'a> {
    pub label: &'a str,
    pub text: &'a str,
    pub kind: ObjectiveKind,
}

impl<'a> ObjectiveLine<'a> {
    /// Reads `[label] text`; `None` for a line with no valid label or no text.
    #[must_use]
    pub fn parse(line: &'a str) -> Option<Self> {
        let rest = line.strip_prefix('[')?;
        let (label, text) = rest.split_once(']')?;
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        let lettered =
            !label.is_empty() && label.len() <= 2 && label.bytes().all(|b| b.is_ascii_lowercase());
        let parameter = label
            .strip_prefix("ODP")
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
        let kind = match (lettered, parameter) {
            (true, _) => ObjectiveKind::Lettered,
            (_, true) => ObjectiveKind::Parameter,
            _ => return None,
        };
        Some(Self { label, text, kind })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objective_lines_are_lettered_or_parameters() {
        let a = ObjectiveLine::parse("[a] users are identified;").unwrap();
        assert_eq!(
            (a.label, a.text, a.kind),
            ("a", "users are identified;", ObjectiveKind::Lettered)
        );
        let odp = ObjectiveLine::parse("[ODP1] parameters are defined;").unwrap();
        assert_eq!((odp.label, odp.kind), ("ODP1", ObjectiveKind::Parameter));
        assert_eq!(ObjectiveLine::parse("[aa] more").unwrap().label, "aa");
        for bad in
            ["no label", "[A] upper", "[abc] long", "[ODP] no number", "[a]", "[a]   ", "[1] digit"]
        {
            assert_eq!(ObjectiveLine::parse(bad), None, "{bad}");
        }
    }
}
