//! How the rules and the learned model decide together: a strong rule wins and explains itself; below it the
//! model decides when it is sure enough; when neither is sure, a person sorts the request (triage).

use crate::model::{Policy, Prediction};
use crate::types::DepartmentId;

/// Who decides the department of one message.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Verdict {
    /// Keep the rules' decision (which may itself be triage when the model has nothing better).
    Rule,
    /// Route to the model's department.
    Model(DepartmentId),
    /// Neither is sure: triage.
    Triage,
}

/// What the rules concluded for one message.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RuleOutcome<'a> {
    /// The rules' department (`triage` when they were weak or tied across departments).
    pub department: &'a DepartmentId,
    /// The best category's score (0 when nothing matched).
    pub score: f32,
}

/// Whether the model, not the rules nor triage, decides (what [`decide`] returns as [`Verdict::Model`]).
pub(crate) fn model_decides(policy: &Policy, rule: RuleOutcome<'_>, model: &Prediction) -> bool {
    let strong_rule =
        *rule.department != DepartmentId::triage() && rule.score >= policy.strong_rule_score;
    !strong_rule && model.confidence >= policy.min_confidence
}

/// Decides between the rules and the model, with the reason a person reads.
pub(crate) fn decide(
    policy: &Policy,
    rule: RuleOutcome<'_>,
    model: &Prediction,
) -> (Verdict, String) {
    let rule_routed = *rule.department != DepartmentId::triage();
    let sure = model.confidence >= policy.min_confidence;
    let vote = format!("{} {:.0}%", model.department, model.confidence * 100.0);
    if rule_routed && rule.score >= policy.strong_rule_score {
        let agrees = if model.department == *rule.department {
            "agrees"
        } else {
            "overruled"
        };
        return (
            Verdict::Rule,
            format!(
                "strong rule match ({:.1} >= {:.1}) decides; learned model {agrees} ({vote})",
                rule.score, policy.strong_rule_score
            ),
        );
    }
    if sure {
        let words = if model.evidence.is_empty() {
            String::from("the text as a whole")
        } else {
            model
                .evidence
                .iter()
                .map(|w| format!("'{w}'"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        return (
            Verdict::Model(model.department.clone()),
            format!("learned from past requests: {words} -> {vote}"),
        );
    }
    let unsure = format!(
        "learned model unsure ({vote} < {:.0}%)",
        policy.min_confidence * 100.0
    );
    if rule_routed {
        (Verdict::Rule, format!("{unsure}; the rule decides"))
    } else {
        (
            Verdict::Triage,
            format!("{unsure} and no clear rule -> triage"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vote(dept: &str, confidence: f32) -> Prediction {
        Prediction {
            department: DepartmentId::new(dept),
            confidence,
            evidence: vec!["streetlight".into(), "out".into()],
        }
    }

    #[test]
    fn strong_rule_wins_model_decides_below_it_and_both_unsure_is_triage() {
        let p = Policy {
            strong_rule_score: 3.0,
            min_confidence: 0.5,
        };
        let streets = DepartmentId::new("streets");
        let triage = DepartmentId::triage();
        let rule = |department, score| RuleOutcome { department, score };
        let cases = [
            (
                rule(&streets, 3.0),
                vote("parks", 0.99),
                Verdict::Rule,
                "strong rule match (3.0 >= 3.0) decides; learned model overruled (parks 99%)",
            ),
            (
                rule(&streets, 2.9),
                vote("parks", 0.5),
                Verdict::Model("parks".into()),
                "learned from past requests: 'streetlight', 'out' -> parks 50%",
            ),
            (
                rule(&triage, 0.0),
                vote("parks", 0.8),
                Verdict::Model("parks".into()),
                "-> parks 80%",
            ),
            (
                rule(&streets, 1.0),
                vote("parks", 0.49),
                Verdict::Rule,
                "learned model unsure (parks 49% < 50%); the rule decides",
            ),
            (
                rule(&triage, 2.0),
                vote("parks", 0.3),
                Verdict::Triage,
                "no clear rule -> triage",
            ),
            // A tie across departments is triage for the rules, whatever its score: the model may settle it.
            (
                rule(&triage, 9.0),
                vote("streets", 0.7),
                Verdict::Model("streets".into()),
                "-> streets 70%",
            ),
        ];
        for (r, m, verdict, reason) in cases {
            let (v, why) = decide(&p, r, &m);
            assert_eq!(
                model_decides(&p, r, &m),
                matches!(v, Verdict::Model(_)),
                "{why}"
            );
            assert_eq!(v, verdict, "{why}");
            assert!(why.contains(reason), "{why}");
        }
    }
}
