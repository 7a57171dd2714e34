//! The operator's log line for every new request: its reference, channel, department and category by name,
//! priority and language; emergencies at WARN so that a log alert can page on them.

use routing::{Decision, Language, RequestRef, Source};

use super::Desk;

impl Desk {
    /// Logs a request just committed (`duplicate_of`: the open request it repeats, when linked to one).
    pub(crate) fn log_intake(
        &self,
        reference: RequestRef,
        source: Source,
        decision: &Decision,
        department: &routing::DepartmentId,
        duplicate_of: Option<RequestRef>,
    ) {
        let department_name = self.department_name(department, Language::En);
        let category = self.category_name(decision.category.as_ref(), Language::En);
        let reference = reference.to_string();
        let duplicate_of = duplicate_of.map_or_else(String::new, |r| r.to_string());
        match &decision.emergency {
            Some(e) => tracing::warn!(
                reference = %reference,
                source = %source,
                department = %department_name,
                department_id = %department,
                category = %category,
                emergency = e.kind.as_str(),
                priority = %decision.priority,
                language = %decision.language,
                "EMERGENCY request {reference} → {department_name}: dispatch alerted"
            ),
            None => tracing::info!(
                reference = %reference,
                source = %source,
                department = %department_name,
                department_id = %department,
                category = %category,
                priority = %decision.priority,
                language = %decision.language,
                duplicate_of = %duplicate_of,
                "new request {reference} → {department_name} ({category})"
            ),
        }
    }
}
