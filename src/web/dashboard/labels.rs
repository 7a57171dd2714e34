//! Every word the dashboard shows, in English and Spanish, and how numbers, durations and percentages are
//! written in each language.

use routing::Language;

/// The dashboard's texts in one language.
pub struct Labels {
    pub title: &'static str,
    pub intro: &'static str,
    pub window: &'static str,
    pub other_language: &'static str,
    pub received: &'static str,
    pub duplicates: &'static str,
    pub median_ack: &'static str,
    pub median_close: &'static str,
    pub on_time_response: &'static str,
    pub on_time_resolution: &'static str,
    pub open_now: &'static str,
    pub not_yet: &'static str,
    pub by_department: &'static str,
    pub by_category: &'static str,
    pub department: &'static str,
    pub category: &'static str,
    pub weekly: &'static str,
    pub weekly_desc: &'static str,
    pub week: &'static str,
    pub week_of: &'static str,
    pub backlog: &'static str,
    pub backlog_desc: &'static str,
    pub total: &'static str,
    pub all: &'static str,
    pub sla_chart: &'static str,
    pub sla_chart_desc: &'static str,
    pub buckets: [&'static str; 5],
    pub how_counted: &'static str,
    pub how_counted_text: &'static str,
    pub recent: &'static str,
    pub filters: &'static str,
    pub status: &'static str,
    pub any: &'static str,
    pub open: &'static str,
    pub closed: &'static str,
    pub from: &'static str,
    pub to: &'static str,
    pub apply: &'static str,
    pub reference: &'static str,
    pub service: &'static str,
    pub address: &'static str,
    pub description: &'static str,
    pub received_at: &'static str,
    pub none_found: &'static str,
    pub previous: &'static str,
    pub next: &'static str,
    pub page: &'static str,
    pub download_rows: &'static str,
    pub download_summary: &'static str,
    pub bad_filter: &'static str,
    pub days: &'static str,
}

pub static EN: Labels = Labels {
    title: "311 performance dashboard",
    intro: "How the city answers 311 requests: volume, response times and on-time work, by department and service. \
            Figures count public requests only (no emergencies, no internal work orders).",
    window: "Requests received in the last",
    other_language: "Español",
    received: "Requests received",
    duplicates: "Duplicates merged",
    median_ack: "Median time to acknowledge",
    median_close: "Median time to close",
    on_time_response: "Acknowledged on time",
    on_time_resolution: "Closed on time",
    open_now: "Open now",
    not_yet: "not yet measured",
    by_department: "By department",
    by_category: "By service",
    department: "Department",
    category: "Service",
    weekly: "Requests received per week",
    weekly_desc: "Bar chart of the requests received each week of the period; the table below has the same figures.",
    week: "Week",
    week_of: "week of",
    backlog: "Open requests by age",
    backlog_desc: "Bar chart of the requests open now, by how long ago they were received; the table below has the \
                   same figures by department.",
    total: "Total",
    all: "All departments",
    sla_chart: "Acknowledged on time, by department",
    sla_chart_desc: "Bar chart of the share of requests acknowledged by their response target, per department; the \
                     table “By department” has the same figures.",
    buckets: ["under 1 day", "1–3 days", "3–7 days", "7–30 days", "over 30 days"],
    how_counted: "How these figures are counted",
    how_counted_text: "A request counts in the week it was received. Acknowledged means a department confirmed it \
                       (or closed it). On time means by the target the service promises; requests whose target has \
                       not passed yet are not counted either way. Medians are in hours of the clock; duplicates \
                       count as received but not in times or targets.",
    recent: "Recent requests",
    filters: "Filter the list",
    status: "Status",
    any: "Any",
    open: "Open",
    closed: "Closed",
    from: "Received from",
    to: "Received until",
    apply: "Show requests",
    reference: "Reference",
    service: "Service",
    address: "Address",
    description: "Description",
    received_at: "Received",
    none_found: "No public request matches these filters.",
    previous: "Previous page",
    next: "Next page",
    page: "Page",
    download_rows: "Download these requests (CSV)",
    download_summary: "Download the figures (CSV)",
    bad_filter: "Please check the filters",
    days: "days",
};

pub static ES: Labels = Labels {
    title: "Panel de desempeño del 311",
    intro: "Cómo responde la ciudad a las solicitudes al 311: volumen, tiempos de respuesta y trabajo a tiempo, por \
            departamento y servicio. Las cifras cuentan solo solicitudes públicas (sin emergencias ni órdenes \
            internas).",
    window: "Solicitudes recibidas en los últimos",
    other_language: "English",
    received: "Solicitudes recibidas",
    duplicates: "Duplicados unidos",
    median_ack: "Tiempo mediano hasta el acuse",
    median_close: "Tiempo mediano hasta el cierre",
    on_time_response: "Atendidas a tiempo",
    on_time_resolution: "Cerradas a tiempo",
    open_now: "Abiertas ahora",
    not_yet: "sin medir todavía",
    by_department: "Por departamento",
    by_category: "Por servicio",
    department: "Departamento",
    category: "Servicio",
    weekly: "Solicitudes recibidas por semana",
    weekly_desc: "Gráfico de barras de las solicitudes recibidas cada semana del periodo; la tabla siguiente tiene \
                  las mismas cifras.",
    week: "Semana",
    week_of: "semana del",
    backlog: "Solicitudes abiertas por antigüedad",
    backlog_desc: "Gráfico de barras de las solicitudes abiertas ahora, según cuánto hace que se recibieron; la \
                   tabla siguiente tiene las mismas cifras por departamento.",
    total: "Total",
    all: "Todos los departamentos",
    sla_chart: "Atendidas a tiempo, por departamento",
    sla_chart_desc: "Gráfico de barras de la proporción de solicitudes atendidas dentro del plazo de respuesta, por \
                     departamento; la tabla «Por departamento» tiene las mismas cifras.",
    buckets: ["menos de 1 día", "1–3 días", "3–7 días", "7–30 días", "más de 30 días"],
    how_counted: "Cómo se cuentan estas cifras",
    how_counted_text: "Una solicitud cuenta en la semana en que se recibió. Atendida significa que un departamento \
                       la confirmó (o la cerró). A tiempo significa dentro del plazo que promete el servicio; las \
                       solicitudes cuyo plazo aún no vence no cuentan ni a favor ni en contra. Las medianas son \
                       horas de reloj; los duplicados cuentan como recibidos pero no en tiempos ni plazos.",
    recent: "Solicitudes recientes",
    filters: "Filtrar la lista",
    status: "Estado",
    any: "Cualquiera",
    open: "Abierta",
    closed: "Cerrada",
    from: "Recibidas desde",
    to: "Recibidas hasta",
    apply: "Mostrar solicitudes",
    reference: "Referencia",
    service: "Servicio",
    address: "Dirección",
    description: "Descripción",
    received_at: "Recibida",
    none_found: "Ninguna solicitud pública coincide con estos filtros.",
    previous: "Página anterior",
    next: "Página siguiente",
    page: "Página",
    download_rows: "Descargar estas solicitudes (CSV)",
    download_summary: "Descargar las cifras (CSV)",
    bad_filter: "Revise los filtros",
    days: "días",
};

/// The texts for `lang`.
pub fn labels(lang: Language) -> &'static Labels {
    match lang {
        Language::Es => &ES,
        Language::En => &EN,
    }
}

const HOUR_MS: f64 = 3_600_000.0;

/// A decimal with one digit after the separator (`6.5` / `6,5`).
pub fn decimal(lang: Language, v: f64) -> String {
    let s = format!("{v:.1}");
    match lang {
        Language::Es => s.replace('.', ","),
        Language::En => s,
    }
}

/// A duration: hours up to two days (`6.5 h`), then days (`3.2 days` / `3,2 días`).
pub fn duration(lang: Language, ms: i64) -> String {
    let hours = ms as f64 / HOUR_MS;
    if hours < 48.0 {
        format!("{} h", decimal(lang, hours))
    } else {
        format!("{} {}", decimal(lang, hours / 24.0), labels(lang).days)
    }
}

/// A whole percentage (`75%` / `75 %`).
pub fn percent(lang: Language, p: f64) -> String {
    match lang {
        Language::Es => format!("{p:.0} %"),
        Language::En => format!("{p:.0}%"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_each_language_writes_them() {
        assert_eq!(duration(Language::En, 6 * 3_600_000 + 1_800_000), "6.5 h");
        assert_eq!(duration(Language::Es, 6 * 3_600_000 + 1_800_000), "6,5 h");
        assert_eq!(duration(Language::En, 72 * 3_600_000), "3.0 days");
        assert_eq!(duration(Language::Es, 84 * 3_600_000), "3,5 días");
        assert_eq!(percent(Language::En, 75.0), "75%");
        assert_eq!(percent(Language::Es, 66.66), "67 %");
    }
}
