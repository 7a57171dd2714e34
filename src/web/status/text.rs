//! Every word of the status page, in English and Spanish, and how times read in each.

use chrono::{DateTime, Datelike, Timelike};
use chrono_tz::Tz;
use routing::Language;

/// The page's fixed texts in one language.
pub struct Text {
    pub request: &'static str,
    pub status: &'static str,
    pub category: &'static str,
    pub department: &'static str,
    pub location: &'static str,
    pub response_due: &'static str,
    pub resolution_due: &'static str,
    pub history: &'static str,
    pub received: &'static str,
    pub sent_to: &'static str,
    pub working_on_it: &'static str,
    pub moved_to: &'static str,
    pub city_message: &'static str,
    pub you_wrote: &'static str,
    pub closed: &'static str,
    pub note: &'static str,
    pub reopened: &'static str,
    pub followup_asked: &'static str,
    pub followup_confirmed: &'static str,
    pub by: &'static str,
    pub photos: &'static str,
    pub comment_heading: &'static str,
    pub comment_label: &'static str,
    pub comment_hint: &'static str,
    pub comment_button: &'static str,
    pub not_fixed_heading: &'static str,
    pub not_fixed_label: &'static str,
    pub not_fixed_hint: &'static str,
    pub not_fixed_button: &'static str,
    pub window_over: &'static str,
    pub notice_commented: &'static str,
    pub notice_reopened: &'static str,
    pub notice_already: &'static str,
    pub error_empty: &'static str,
    pub error_too_long: &'static str,
    pub error_not_closed: &'static str,
    pub error_rate: &'static str,
    pub forbidden_title: &'static str,
    pub forbidden_body: &'static str,
    pub expired_body: &'static str,
    pub back: &'static str,
    pub other_language: &'static str,
    pub footer: &'static str,
}

const EN: Text = Text {
    request: "Request",
    status: "Status",
    category: "Type of problem",
    department: "Department",
    location: "Location",
    response_due: "We aim to respond",
    resolution_due: "We aim to resolve it",
    history: "What has happened",
    received: "We received your report.",
    sent_to: "Sent to",
    working_on_it: "is working on it.",
    moved_to: "Moved to",
    city_message: "Message from the city:",
    you_wrote: "You wrote:",
    closed: "Closed:",
    note: "Note from the department:",
    reopened: "Reopened and sent back to the department.",
    followup_asked: "We asked whether it was fixed.",
    followup_confirmed: "You told us it was fixed.",
    by: "by",
    photos: "Photos and files you sent",
    comment_heading: "Add a comment",
    comment_label: "Your comment",
    comment_hint:
        "The department reads it with your request. Please do not include private information.",
    comment_button: "Send comment",
    not_fixed_heading: "Is the problem still there?",
    not_fixed_label: "What is still wrong? (optional)",
    not_fixed_hint: "We will reopen the request and send it back to the department.",
    not_fixed_button: "It is not fixed",
    window_over:
        "This request was closed more than {days} days ago, so it can no longer be reopened here. \
                  Please write to us again and we will open a new request.",
    notice_commented: "Thank you. Your comment was added and sent to the department.",
    notice_reopened: "Thank you. Your request was reopened and sent back to the department.",
    notice_already: "We already have this: it was received once, nothing more was done.",
    error_empty: "Please write your comment before sending it.",
    error_too_long: "Your text is too long: at most {max} characters, please.",
    error_not_closed:
        "Your request is not closed, so there is nothing to reopen: add a comment instead.",
    error_rate:
        "Many messages were sent about this request in the last hour. Please try again later.",
    forbidden_title: "This form could not be accepted",
    forbidden_body: "The form did not come from this request's page. Nothing was changed.",
    expired_body:
        "The page was open for too long. Nothing was changed: please send it again from the page.",
    back: "Back to your request",
    other_language: "Español",
    footer: "For an emergency, call 911. This page is private: anyone with its link can see it.",
};

const ES: Text = Text {
    request: "Solicitud",
    status: "Estado",
    category: "Tipo de problema",
    department: "Departamento",
    location: "Ubicación",
    response_due: "Nuestro objetivo es responder",
    resolution_due: "Nuestro objetivo es resolverlo",
    history: "Lo que ha pasado",
    received: "Recibimos su reporte.",
    sent_to: "Enviado a",
    working_on_it: "está atendiendo su solicitud.",
    moved_to: "Transferido a",
    city_message: "Mensaje de la ciudad:",
    you_wrote: "Usted escribió:",
    closed: "Cerrada:",
    note: "Nota del departamento:",
    reopened: "Reabierta y enviada de nuevo al departamento.",
    followup_asked: "Le preguntamos si quedó resuelto.",
    followup_confirmed: "Usted nos dijo que quedó resuelto.",
    by: "por",
    photos: "Fotos y archivos que envió",
    comment_heading: "Agregar un comentario",
    comment_label: "Su comentario",
    comment_hint: "El departamento lo leerá con su solicitud. Por favor no incluya información privada.",
    comment_button: "Enviar comentario",
    not_fixed_heading: "¿Sigue el problema?",
    not_fixed_label: "¿Qué sigue mal? (opcional)",
    not_fixed_hint: "Reabriremos la solicitud y la enviaremos de nuevo al departamento.",
    not_fixed_button: "No está arreglado",
    window_over: "Esta solicitud se cerró hace más de {days} días y ya no se puede reabrir aquí. \
                  Por favor escríbanos de nuevo y abriremos una solicitud nueva.",
    notice_commented: "Gracias. Su comentario se agregó y se envió al departamento.",
    notice_reopened: "Gracias. Su solicitud fue reabierta y enviada de nuevo al departamento.",
    notice_already: "Ya lo tenemos: se recibió una vez y no se hizo nada más.",
    error_empty: "Por favor escriba su comentario antes de enviarlo.",
    error_too_long: "Su texto es demasiado largo: como máximo {max} caracteres, por favor.",
    error_not_closed: "Su solicitud no está cerrada, así que no hay nada que reabrir: agregue un comentario.",
    error_rate: "Se enviaron muchos mensajes sobre esta solicitud en la última hora. Inténtelo más tarde.",
    forbidden_title: "No se pudo aceptar este formulario",
    forbidden_body: "El formulario no vino de la página de esta solicitud. No se cambió nada.",
    expired_body: "La página estuvo abierta demasiado tiempo. No se cambió nada: envíelo de nuevo desde la página.",
    back: "Volver a su solicitud",
    other_language: "English",
    footer: "En caso de emergencia, llame al 911. Esta página es privada: cualquiera con su enlace puede verla.",
};

/// The texts in `lang`.
pub fn text(lang: Language) -> &'static Text {
    match lang {
        Language::Es => &ES,
        _ => &EN,
    }
}

/// The other language a page can be read in.
pub fn other(lang: Language) -> Language {
    match lang {
        Language::Es => Language::En,
        _ => Language::Es,
    }
}

/// An instant in the city's time as a resident reads it: "Dec 2, 2026, 9:05 AM EST" / "2 dic 2026, 09:05 EST".
pub fn when(t: DateTime<Tz>, lang: Language) -> String {
    const EN_M: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    const ES_M: [&str; 12] = [
        "ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic",
    ];
    let (m, zone) = (t.month0() as usize, t.format("%Z"));
    match lang {
        Language::Es => format!(
            "{} {} {}, {:02}:{:02} {zone}",
            t.day(),
            ES_M[m],
            t.year(),
            t.hour(),
            t.minute()
        ),
        _ => {
            let (h, ampm) = match t.hour() {
                0 => (12, "AM"),
                h @ 1..=11 => (h, "AM"),
                12 => (12, "PM"),
                h => (h - 12, "PM"),
            };
            format!(
                "{} {}, {}, {h}:{:02} {ampm} {zone}",
                EN_M[m],
                t.day(),
                t.year(),
                t.minute()
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn times_read_in_the_city_zone_and_language() {
        let tz: Tz = "America/New_York".parse().unwrap();
        let t = tz.with_ymd_and_hms(2026, 12, 2, 9, 5, 0).unwrap();
        assert_eq!(when(t, Language::En), "Dec 2, 2026, 9:05 AM EST");
        assert_eq!(when(t, Language::Es), "2 dic 2026, 09:05 EST");
        let t = tz.with_ymd_and_hms(2026, 7, 4, 0, 30, 0).unwrap();
        assert_eq!(when(t, Language::En), "Jul 4, 2026, 12:30 AM EDT");
        assert_eq!(when(t, Language::Es), "4 jul 2026, 00:30 EDT");
    }

    #[test]
    fn every_text_is_translated() {
        // The same fixed text in both languages would be an untranslated one.
        let (en, es) = (text(Language::En), text(Language::Es));
        assert_ne!(en.not_fixed_button, es.not_fixed_button);
        assert_eq!(es.not_fixed_button, "No está arreglado");
        assert_eq!(other(Language::Es), Language::En);
    }
}
