//! The router: turns a message's text into a [`Decision`] — department, category, emergency, language,
//! location, priority and SLA — with the reasons a person can read.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::config::{
    CategoryId, CityConfig, ConfigError, DepartmentId, Language, Priority, Tuning,
};
use crate::emergency::{Emergency, EmergencyDetector};
use crate::language::LanguageDetector;
use crate::location::{Location, LocationFinder};
use crate::model::{Model, ModelError};
use crate::normalize::Folded;
use crate::patterns::PatternSet;

/// Everything the router decided about one message.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Decision {
    pub department: DepartmentId,
    /// The best category, kept even when an emergency sends the request to dispatch.
    pub category: Option<CategoryId>,
    pub emergency: Option<Emergency>,
    pub language: Language,
    /// The most specific place found (the first of `locations`).
    pub location: Option<Location>,
    /// Every place found, the most specific first (see [`LocationFinder::find_all`]).
    #[serde(default)]
    pub locations: Vec<Location>,
    pub priority: Priority,
    pub response_hours: u32,
    pub resolution_hours: u32,
    /// The winning category's score (0 when nothing matched).
    pub score: f32,
    /// The words and phrases of the city's rules that made `category` win, as the city wrote them (for a
    /// regex rule, the text it matched); empty when no category was chosen.
    #[serde(default)]
    pub matched: Vec<String>,
    pub reasons: Vec<String>,
}

#[derive(Debug)]
struct Target {
    category: CategoryId,
    department: DepartmentId,
    priority: Priority,
    response_hours: u32,
    resolution_hours: u32,
}

#[derive(Debug)]
struct Inner {
    patterns: PatternSet,
    targets: Vec<Target>,
    /// `(id, response_hours, resolution_hours)` of every department.
    departments: Vec<(DepartmentId, u32, u32)>,
    tuning: Tuning,
    language: LanguageDetector,
    emergency: EmergencyDetector,
    location: LocationFinder,
}

/// The compiled routing rules of one city, and optionally a model learned from its past requests. Cheap to
/// clone (`Arc`s), `Send + Sync`.
#[derive(Debug, Clone)]
pub struct Router {
    inner: Arc<Inner>,
    model: Option<Arc<Model>>,
}

impl Router {
    /// Compiles every pattern of `cfg` once; fails with the same errors as config validation.
    pub fn new(cfg: &CityConfig) -> Result<Router, ConfigError> {
        cfg.validate()?;
        let targets = cfg
            .categories
            .iter()
            .map(|c| Target {
                category: c.id.clone(),
                department: c.department.clone(),
                priority: c.priority,
                response_hours: c.response_hours,
                resolution_hours: c.resolution_hours,
            })
            .collect();
        let departments = cfg
            .departments
            .iter()
            .map(|d| (d.id.clone(), d.response_hours, d.resolution_hours))
            .collect();
        Ok(Router {
            inner: Arc::new(Inner {
                patterns: PatternSet::compile(&cfg.categories)?,
                targets,
                departments,
                tuning: cfg.routing,
                language: LanguageDetector::new(cfg.city.default_language),
                emergency: EmergencyDetector::new(),
                location: LocationFinder::for_city(cfg),
            }),
            model: None,
        })
    }

    /// The same rules deciding together with `model` (see `combine`). Fails when the model routes to a
    /// department this city does not have.
    pub fn with_model(&self, model: Model) -> Result<Router, ModelError> {
        model.check_departments(|d| self.inner.departments.iter().any(|(id, _, _)| id == d))?;
        Ok(Router {
            inner: self.inner.clone(),
            model: Some(Arc::new(model)),
        })
    }

    /// The rules alone, without a model.
    pub fn without_model(&self) -> Router {
        Router {
            inner: self.inner.clone(),
            model: None,
        }
    }

    /// The rules' matched categories and scores for `text`: the inputs a model trained with
    /// [`crate::model::FeatureConfig::rule_weight`] takes besides the words.
    pub fn rule_matches(&self, text: &str) -> Vec<(String, f32)> {
        let folded = Folded::new(text);
        self.inner
            .patterns
            .score(&folded.text)
            .iter()
            .map(|s| (self.inner.targets[s.category].category.to_string(), s.score))
            .collect()
    }

    /// Trains a model on `rows`, with the rules' matches as inputs when the options ask for them.
    pub fn train_model(
        &self,
        rows: &[crate::model::TrainingRow],
        opts: &crate::model::TrainOptions,
    ) -> Result<Model, ModelError> {
        let hints: Vec<Vec<(String, f32)>> =
            rows.iter().map(|r| self.rule_matches(&r.text)).collect();
        crate::model::train_with_hints(rows, &hints, opts)
    }

    /// The learned model in use, if any.
    pub fn model(&self) -> Option<&Model> {
        self.model.as_deref()
    }

    /// Decides where a message goes. `text` is `subject + "\n" + body`, or a chat message.
    pub fn classify(&self, text: &str) -> Decision {
        let me = &*self.inner;
        let folded = Folded::new(text);
        let mut reasons = Vec::new();

        let (language, why) = me.language.detect(text, &folded);
        reasons.push(why);

        let scores = me.patterns.score(&folded.text);
        for s in scores.iter().take(3) {
            let matched: Vec<String> = s
                .rules
                .iter()
                .map(|&r| format!("matched {}", me.patterns.label(r)))
                .collect();
            reasons.push(format!(
                "category {}: {} = {:.1}",
                me.targets[s.category].category,
                matched.join(", "),
                s.score
            ));
        }

        let (department, category, score) = self.choose(&scores, &mut reasons);
        let (department, category) = match &self.model {
            Some(m) => self.consult(
                m,
                &folded,
                &scores,
                (department, category, score),
                &mut reasons,
            ),
            None => (department, category),
        };
        let (mut priority, mut response_hours, mut resolution_hours) = match category {
            Some(c) => {
                let t = &me.targets[c];
                (t.priority, t.response_hours, t.resolution_hours)
            }
            None => {
                let (r, s) = me.department_hours(&department);
                (Priority::Normal, r, s)
            }
        };
        let mut department = department;
        let matched = category
            .and_then(|c| scores.iter().find(|s| s.category == c))
            .map(|s| me.patterns.words(s, &folded.text))
            .unwrap_or_default();
        let category = category.map(|c| me.targets[c].category.clone());

        let emergency = me.emergency.detect(text, &folded);
        if let Some(e) = &emergency {
            reasons.push(format!(
                "emergency {}: \"{}\" -> dispatch",
                e.kind, e.matched
            ));
            department = DepartmentId::dispatch();
            priority = Priority::Urgent;
            (response_hours, resolution_hours) = me.department_hours(&department);
        }

        let locations = me.location.find_all(text);
        for l in &locations {
            reasons.push(format!("location {} \"{}\"", l.kind, l.text));
        }
        let location = locations.first().cloned();

        Decision {
            department,
            category,
            emergency,
            language,
            location,
            locations,
            priority,
            response_hours,
            resolution_hours,
            score,
            matched,
            reasons,
        }
    }

    /// Picks the department and category from the scores: weak or tied results go to triage, except that a tie
    /// between categories of the same department still reaches that department (without a category).
    fn choose(
        &self,
        scores: &[crate::patterns::CategoryScore],
        reasons: &mut Vec<String>,
    ) -> (DepartmentId, Option<usize>, f32) {
        let me = &*self.inner;
        let Some(best) = scores.first() else {
            reasons.push("no category matched -> triage".into());
            return (DepartmentId::triage(), None, 0.0);
        };
        let name = |i: usize| &me.targets[i].category;
        if best.score < me.tuning.min_score {
            reasons.push(format!(
                "weak score {:.1} for {} (< {:.1}) -> triage",
                best.score,
                name(best.category),
                me.tuning.min_score
            ));
            return (DepartmentId::triage(), None, best.score);
        }
        let dept = &me.targets[best.category].department;
        let rivals: Vec<usize> = scores[1..]
            .iter()
            .filter(|s| best.score - s.score <= me.tuning.tie_margin)
            .map(|s| s.category)
            .collect();
        if rivals.is_empty() {
            return (dept.clone(), Some(best.category), best.score);
        }
        let names: Vec<String> = std::iter::once(best.category)
            .chain(rivals.iter().copied())
            .map(|i| name(i).to_string())
            .collect();
        if rivals.iter().all(|&r| &me.targets[r].department == dept) {
            reasons.push(format!(
                "tie between {} (all {dept}) -> {dept}",
                names.join(" and ")
            ));
            return (dept.clone(), None, best.score);
        }
        reasons.push(format!("tie between {} -> triage", names.join(" and ")));
        (DepartmentId::triage(), None, best.score)
    }
}

impl Router {
    /// Lets the model decide where the rules are not strong (see `combine::decide`). When the model picks the
    /// department, the category is the rules' best one of that department, if any.
    fn consult(
        &self,
        model: &Model,
        folded: &Folded,
        scores: &[crate::patterns::CategoryScore],
        (department, category, score): (DepartmentId, Option<usize>, f32),
        reasons: &mut Vec<String>,
    ) -> (DepartmentId, Option<usize>) {
        use crate::combine::{decide, RuleOutcome, Verdict};
        let hints: Vec<(&str, f32)> = scores
            .iter()
            .map(|s| (self.inner.targets[s.category].category.as_str(), s.score))
            .collect();
        let scored = model.score_folded(folded, &hints);
        let mut prediction = scored.prediction(model);
        let rule = RuleOutcome {
            department: &department,
            score,
        };
        // The model's words are worked out only when it decides and its reason names them.
        if crate::combine::model_decides(&model.policy(), rule, &prediction) {
            prediction.evidence = scored.evidence(model);
        }
        let (verdict, why) = decide(&model.policy(), rule, &prediction);
        reasons.push(why);
        match verdict {
            Verdict::Rule => (department, category),
            Verdict::Triage => (DepartmentId::triage(), None),
            Verdict::Model(d) => {
                let targets = &self.inner.targets;
                let category = scores
                    .iter()
                    .find(|s| targets[s.category].department == d)
                    .map(|s| s.category);
                (d, category)
            }
        }
    }
}

impl Inner {
    fn department_hours(&self, id: &DepartmentId) -> (u32, u32) {
        self.departments
            .iter()
            .find(|(d, _, _)| d == id)
            .map(|&(_, r, s)| (r, s))
            .unwrap_or((24, 24 * 7))
    }
}

#[cfg(test)]
#[path = "classify_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "classify_model_tests.rs"]
mod model_tests;
