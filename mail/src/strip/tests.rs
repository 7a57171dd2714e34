//! Reply stripping on small hand-written replies (English and Spanish clients).

use super::visible_reply;

#[test]
fn cases() {
    let cases: &[(&str, &str, &str)] = &[
        ("plain", "The pothole is still there.\n", "The pothole is still there."),
        (
            "gmail en",
            "Still broken.\n\nOn Mon, Mar 3, 2025 at 10:20 AM City 311 <311@city.test> wrote:\n> Thanks\n> for your report\n",
            "Still broken.",
        ),
        (
            "gmail en wrapped",
            "Still broken.\n\nOn Mon, Mar 3, 2025 at 10:20 AM City 311 <\n311@city.test> wrote:\n\n> Thanks\n",
            "Still broken.",
        ),
        (
            "gmail es wrapped",
            "Sigue sin arreglarse.\n\nEl lun, 3 mar 2025 a las 10:20, Ciudad 311 (<311@city.test>)\nescribió:\n\n> Gracias\n",
            "Sigue sin arreglarse.",
        ),
        (
            "gmail es one line",
            "Ya está arreglado, gracias.\r\n\r\nEl 3/3/2025 10:20, Ciudad 311 escribió:\r\n> Gracias\r\n",
            "Ya está arreglado, gracias.",
        ),
        (
            "outlook en",
            "It is fixed now.\n\nFrom: City 311 <311@city.test>\nSent: Monday, March 3, 2025 10:20 AM\nTo: Maria\nSubject: Your request\n\nThanks for your report.\n",
            "It is fixed now.",
        ),
        (
            "outlook es",
            "Ya lo arreglaron.\n\n________________________________\nDe: Ciudad 311 <311@city.test>\nEnviado: lunes, 3 de marzo de 2025 10:20\nPara: María\nAsunto: Su solicitud\n\nGracias.\n",
            "Ya lo arreglaron.",
        ),
        (
            "outlook bold",
            "Done.\n\n*From:* City 311 <311@city.test>\n*Sent:* Monday\n*To:* Maria\n\nOld text\n",
            "Done.",
        ),
        (
            "original message",
            "OK thanks\n\n-----Original Message-----\nFrom: 311@city.test\nOld text\n",
            "OK thanks",
        ),
        (
            "mensaje original",
            "Vale\n\n-----Mensaje original-----\nDe: 311@city.test\nTexto viejo\n",
            "Vale",
        ),
        ("sig delimiter", "Fixed.\n\n-- \nMaria Lopez\n555-1234\n", "Fixed."),
        ("iphone", "Fixed.\n\nSent from my iPhone\n", "Fixed."),
        ("iphone es", "Arreglado.\n\nEnviado desde mi iPhone\n", "Arreglado."),
        ("android", "Fixed.\n\nSent from my Android phone\n", "Fixed."),
        ("get outlook", "Fixed.\n\nGet Outlook for iOS<https://aka.ms/o0ukef>\n", "Fixed."),
        (
            "bottom post",
            "On Mon, Mar 3, 2025, City 311 <311@city.test> wrote:\n> Is it fixed?\n\nNo, still broken.\n",
            "No, still broken.",
        ),
        (
            "inline",
            "Hi,\n> Where exactly?\nIn front of number 42.\n> Since when?\nTwo weeks.\n",
            "Hi,\nIn front of number 42.\nTwo weeks.",
        ),
        ("only quotes", "> old\n> text\n", ""),
        (
            "a sentence about writing is kept",
            "Here is what my neighbour wrote:\nthe light is out\n",
            "Here is what my neighbour wrote:\nthe light is out",
        ),
        (
            "sent from in a sentence is kept",
            "Sent from my desk, is much easier than my mobile phone, to report this.\n",
            "Sent from my desk, is much easier than my mobile phone, to report this.",
        ),
        (
            "bullets kept",
            "Items:\n- one\n- two\n",
            "Items:\n- one\n- two",
        ),
    ];
    for (name, input, want) in cases {
        assert_eq!(visible_reply(input), *want, "case {name}");
    }
}
