//! Places named by what stands there rather than by a street (EN and ES): `in front of the library`, `near
//! Lincoln Park`, `across from City Hall`, `cerca del mercado`, `junto a la escuela primaria`, `frente a la
//! iglesia de San Juan`.

use crate::location::LocationKind;
use crate::place_forms::{group, named, scan, Found, Place};
use crate::place_names::{strong_street, trim_name};
use crate::place_regex::{risk_after, risk_before, PlaceRegex};

/// The words that say "by this place": English and Spanish, with the Spanish contractions (`del`, `al`).
const RELATION: &str = r"(?i:in\s+front\s+of|across\s+(?:the\s+street\s+)?from|next\s+to|near(?:by)?|close\s+to|behind|outside(?:\s+of)?|opposite|beside|at\s+the\s+entrance\s+(?:of|to)|(?:en\s+)?frente\s+(?:a|al|de|del)|enfrente\s+(?:de|del|a|al)|cerca\s+(?:de|del)|junto\s+(?:a|al)|al\s+lado\s+(?:de|del)|a\s+un\s+lado\s+(?:de|del)|detr[aá]s\s+(?:de|del)|afuera\s+(?:de|del)|fuera\s+(?:de|del)|a\s+la\s+entrada\s+(?:de|del))";

/// Public places residents steer by, named without a proper name (`the library`, `la escuela`), before the
/// boundary that ends them.
const NOUN_WORDS: &str = r"(?i:library|school|elementary\s+school|high\s+school|middle\s+school|park|playground|church|hospital|clinic|market|supermarket|grocery\s+store|post\s+office|city\s+hall|town\s+hall|train\s+station|bus\s+station|bus\s+stop|fire\s+station|police\s+station|community\s+center|recreation\s+center|rec\s+center|pool|stadium|museum|cemetery|courthouse|pharmacy|gas\s+station|mall|biblioteca|escuela(?:\s+(?:primaria|secundaria))?|primaria|secundaria|preparatoria|kinder|k[ií]nder|jard[ií]n\s+de\s+niños|universidad|parque|iglesia|templo|hospital|cl[ií]nica|centro\s+de\s+salud|mercado|supermercado|tienda|correos?|oficina\s+de\s+correos|presidencia\s+municipal|palacio\s+municipal|ayuntamiento|estaci[oó]n(?:\s+de\s+(?:bomberos|polic[ií]a|tren|autobuses))?|parada\s+(?:del?\s+)?(?:cami[oó]n|autob[uú]s)|cancha|unidad\s+deportiva|alberca|museo|pante[oó]n|cementerio|farmacia|gasolinera|plaza)";

/// A proper name: capitalised words, with `de`/`del`/`of`/`the` between them (`Lincoln Park`, `San Juan`).
const NAME: &str = r"\p{Lu}[\w'.-]*(?:\s+(?:(?i:de|del|la|las|los|of|the)\s+)?\p{Lu}[\w'.-]*){0,4}";

/// The recogniser of this module.
#[derive(Debug, Clone)]
pub(crate) struct LandmarkForms {
    landmark: PlaceRegex,
}

impl LandmarkForms {
    pub fn new() -> LandmarkForms {
        let article = r"(?:(?i:the|la|el|los|las)\s+)?";
        let adjective = r"(?:(?i:public|local|new|old|big|main)\s+)?";
        LandmarkForms {
            landmark: PlaceRegex::new(
                &format!(
                    r"\b{RELATION}\s+{article}(?P<name>{adjective}{NOUN_WORDS}\b(?:\s+(?:(?i:de|del|of)\s+)?{NAME})?|{NAME})"
                ),
                &[&risk_before(RELATION), &risk_after(NOUN_WORDS)],
            ),
        }
    }

    /// The recogniser with its fast twin, by name (see `PlaceForms::twins`).
    #[cfg(test)]
    pub fn twins(&self) -> Vec<(&'static str, &PlaceRegex)> {
        vec![("landmark", &self.landmark)]
    }

    /// Every landmark candidate in `text`. A name that is a street (`near Oak St`) is left to the street forms.
    pub fn candidates(&self, text: &str, out: &mut Vec<Found>) {
        for c in scan(&self.landmark, text) {
            let name = named(&c, "name");
            let end = trim_name(text, name.start(), name.end());
            let written = text[name.start()..end].trim_end_matches(['.', ',']);
            if written.is_empty() || strong_street(written) {
                continue;
            }
            let place = Place::Landmark(written.to_string());
            let start = group(&c, 0).start();
            out.push(Found::new(
                LocationKind::Landmark,
                start,
                name.start() + written.len(),
                place,
            ));
        }
    }
}
