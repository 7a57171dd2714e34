//! Recognises emergencies (EN + ES) that must reach dispatch at once, while ignoring the everyday city words
//! that merely contain "fire", "gas" or "hurt" (hydrants, fire lanes, gas stations, "someone could get hurt").

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::normalize::Folded;

/// What kind of emergency a message describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmergencyKind {
    GasLeak,
    Fire,
    CarbonMonoxide,
    PowerLine,
    Violence,
    Medical,
    CrashInjury,
    Drowning,
}

impl EmergencyKind {
    /// The snake_case name, as serialized.
    pub fn as_str(self) -> &'static str {
        match self {
            EmergencyKind::GasLeak => "gas_leak",
            EmergencyKind::Fire => "fire",
            EmergencyKind::CarbonMonoxide => "carbon_monoxide",
            EmergencyKind::PowerLine => "power_line",
            EmergencyKind::Violence => "violence",
            EmergencyKind::Medical => "medical",
            EmergencyKind::CrashInjury => "crash_injury",
            EmergencyKind::Drowning => "drowning",
        }
    }
}

impl std::fmt::Display for EmergencyKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An emergency found in a message, with the words (as written) that showed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Emergency {
    pub kind: EmergencyKind,
    pub matched: String,
}

/// Everyday phrases that contain an emergency word but are not emergencies; blanked out before matching.
const NOT_EMERGENCIES: &str = r"(?x)
    \b(?:
      fire\ (?:hydrants?|lanes?|hazards?|escapes?|department|dept|station|house|pits?|place|alarms?|code|exits?
             |doors?|trucks?|marshall?|inspector|extinguishers?|safety|risk|danger|zone|box|plugs?|works?)
    | smoke\ (?:detectors?|alarms?)|(?:no|missing)\ (?:co|carbon\ monoxide)\ (?:detectors?|alarms?)
    | (?:co|carbon\ monoxide)\ (?:detectors?|alarms?)\ (?:chirp\w*|battery|batteries|missing|needs?)
    | smoke\ (?:shop|free)
    | gas\ (?:stations?|company|co|grill|grills|cans?|tanks?|powered|mower|blowers?|prices?|pumps?|meters?\ work)
    | leaf\ blowers?
    | (?:could|can|will|would|might|may|going\ to|gonna|to)\ (?:get\ |be\ )?(?:hurt|injured|killed)
    | (?:gets?|getting)\ (?:hurt|injured|killed)
    | before\ (?:someone|somebody|a\ \w+)\ (?:\w+\ )?(?:is|gets|falls)
    | accidents?\ waiting\ to\ happen|(?:almost|nearly)\ (?:passed\ out|fainted|died|drowned)
    | (?:avoid|prevent|cause|causing|lead\ to|risk\ of|chance\ of)\ (?:an\ |a\ )?(?:accidents?|injury|injuries|crash)
    | (?:dog|cat|deer|animal|raccoon|squirrel|bird|possum|opossum)\ (?:was\ |got\ )?(?:hit|struck)\ by
    | hidrantes?|boca\ de\ incendio|(?:riesgo|peligro)\ de\ (?:incendio|accidente)|gasolinera
    | (?:estacion|compania|tanque|cilindro|pipa)\ de\ gas|detector\ de\ humo|alarma\ de\ humo
    | fuegos\ artificiales|cohetes
    | (?:puede|pueden|podria|podrian)\ (?:lastimar\w*|herir\w*|accidentar\w*|caer)
    | (?:perro|perrito|gato|gatito|animal|caballo)\ atropellad[oa]
    | (?:casi|puede|pueden|podria|podrian|van\ a|para\ que\ no)\ (?:lo\ |la\ |los\ |las\ |le\ |les\ )?atropell\w*
    | (?:almost|nearly)\ (?:got\ )?(?:hit|struck|run\ over)
    )\b";

/// The recognisers, in the order they are tried (most urgent first).
const KINDS: &[(EmergencyKind, &str)] = &[
    (
        EmergencyKind::Fire,
        r"(?x)\b(?:
          on\ fire|catch(?:es|ing)?\ fire|caught\ fire|set\ fire\ to|set\ on\ fire
        | (?:house|building|car|apartment|brush|trash|dumpster|garage|kitchen|grass|vehicle|electrical|structure|wild|forest)\ fire
        | fire\ (?:in|at|inside)\ (?:the|a|my|our|an)\b|theres?\ (?:is\ )?a\ fire|flames
        | smoke\ (?:is\ )?(?:pouring|billowing)
        | smoke\ (?:is\ )?coming\ (?:out\ of|from)\ (?:the|a|my|our)\ (?:window|windows|house|building|apartment|roof|manhole|car|hood|garage|basement)
        | burning\ (?:building|house|car|home)|(?:is|are)\ (?:on\ fire|burning\ down)
        | incendio|se\ (?:esta\ )?(?:quemando|incendiando)|hay\ fuego|fuego\ en|en\ llamas|llamaradas
        | sale\ (?:mucho\ )?humo|humo\ negro|mucho\ humo
        )\b",
    ),
    (
        EmergencyKind::GasLeak,
        r"(?x)\b(?:
          smell(?:s|ed|ing)?\ (?:of\ |like\ )?(?:natural\ )?gas|gas\ (?:smell|odor|odour|leak|leaking|explosion)
        | leak(?:ing|s)?\ gas|(?:odor|odour|stench)\ of\ gas|gas\ is\ leaking
        | huele\ (?:mucho\ )?a\ gas|olor\ a\ gas|fuga\ de\ gas|escape\ de\ gas|(?:sale|saliendo|se\ sale)\ (?:el\ )?gas
        )\b",
    ),
    (
        EmergencyKind::CarbonMonoxide,
        r"(?x)\b(?:
          carbon\ monoxide\ (?:leak|poisoning|smell|in|is|levels?)|(?:co|carbon\ monoxide)\ (?:alarm|detector)s?\ (?:is\ |are\ )?(?:going\ off|sounding)
        | monoxido\ de\ carbono|intoxicad[oa]s?\ (?:por|con)\ (?:gas|monoxido)
        )\b",
    ),
    (
        EmergencyKind::PowerLine,
        r"(?x)\b(?:
          (?:power|electric|electrical|utility|live|high\ voltage)\ (?:line|lines|wire|wires|cable|cables)\ (?:is\ |are\ )?(?:down|on\ the\ ground|sparking|fell|fallen|arcing|on\ fire)
        | downed\ (?:power\ |electric\ |utility\ )?(?:line|lines|wire|wires)|(?:wire|wires|line|lines)\ (?:is\ |are\ )?(?:sparking|arcing)
        | sparking\ (?:wire|wires|line|lines|transformer|pole)|live\ wires?|transformer\ (?:blew|exploded|on\ fire|sparking)
        | cables?\ (?:de\ luz|electricos?|de\ alta\ tension|de\ energia)\ (?:caidos?|en\ el\ suelo|tirados?|echando\ chispas)
        | cables?\ (?:caidos?|echando\ chispas|sacando\ chispas)|(?:echando|sacando|avienta)\ chispas
        | transformador\ (?:exploto|en\ llamas|echando\ chispas)
        )\b",
    ),
    (
        EmergencyKind::Violence,
        r"(?x)\b(?:
          shots\ fired|gun\ ?shots?|shooting\ (?:at|in|on)\b|someone\ (?:is\ )?shooting|(?:being|been|was|got)\ shot
        | (?:has|with|holding|waving|pointing|pulled)\ a\ (?:gun|knife|pistol|rifle|weapon|machete)
        | stabb(?:ed|ing)|(?:is|are|being)\ (?:attacked|assaulted|beaten|robbed|mugged)|break\ in\ in\ progress
        | domestic\ violence|(?:he|she|someone|man|woman|guy)\ is\ (?:hitting|beating|choking)
        | balacera|balazos|disparos|(?:le|les)\ (?:dispararon|disparan)
        | (?:con|trae|tiene|porta)\ (?:un|una)\ (?:pistola|arma|cuchillo|navaja|machete)|apunalad\w*|acuchillad\w*
        | (?:lo|la|los|las|le)\ (?:estan\ )?(?:golpeando|asaltando|atacando)|violencia\ (?:familiar|domestica)
        )\b",
    ),
    (
        EmergencyKind::Medical,
        r"(?x)\b(?:
          not\ breathing|isnt\ breathing|stopped\ breathing|cant\ breathe|unconscious|unresponsive|passed\ out
        | (?:having|had)\ a\ (?:seizure|heart\ attack|stroke)|heart\ attack|overdos(?:e|ing|ed)|bleeding\ (?:badly|heavily|a\ lot)
        | (?:man|woman|person|someone|somebody|child|kid|boy|girl|guy|lady|people|he|she)\ (?:is|are)\ (?:badly\ |seriously\ |severely\ )?(?:hurt|injured|bleeding)
        | (?:fell|fallen)\ and\ (?:cant|cannot|can\ not)\ get\ up
        | no\ respira|inconsciente|desmayad[oa]|se\ desmayo|convulsion\w*|infarto|sobredosis
        | (?:esta|estan)\ (?:herid[oa]s?|sangrando)|hay\ (?:un\ |una\ |dos\ |varios\ )?herid[oa]s?|persona\ herida
        )\b",
    ),
    (
        EmergencyKind::CrashInjury,
        r"(?x)\b(?:
          (?:hit|struck|run\ over)\ by\ a\ (?:car|truck|bus|vehicle|driver)
        | (?:crash|accident|collision|wreck)\ (?:\w+\ ){0,6}?(?:injur\w*|hurt|bleeding|trapped|ambulance)
        | (?:injur\w*|hurt|bleeding|trapped)\ (?:\w+\ ){0,6}?(?:crash|accident|collision|wreck)
        | atropell\w*|choque\ con\ herid\w*|(?:choque|accidente)\ (?:\w+\ ){0,6}?(?:herid\w*|lesionad\w*|atrapad\w*|ambulancia)
        | volcadura
        )\b",
    ),
    (
        EmergencyKind::Drowning,
        r"(?x)\b(?:
          drowning|drowned|(?:someone|somebody|person|man|woman|child|kid|boy|girl|swimmer)\ (?:fell\ |is\ |went\ )?(?:in|into)\ the\ (?:water|river|lake|pool|ocean|bay|harbor)
        | se\ (?:esta\ )?ahog\w*|ahogando\w*|se\ cayo\ al\ (?:agua|rio|canal|lago|mar|pozo)
        )\b",
    ),
];

/// The compiled emergency recognisers.
#[derive(Debug, Clone)]
pub struct EmergencyDetector {
    negatives: Regex,
    kinds: Vec<(EmergencyKind, Regex)>,
}

impl Default for EmergencyDetector {
    fn default() -> Self {
        Self::new()
    }
}

impl EmergencyDetector {
    /// Compiles the built-in English and Spanish rules.
    pub fn new() -> EmergencyDetector {
        // The rules are constants covered by tests, so a failure here is a programming error.
        let compile = |src: &str| Regex::new(src).expect("built-in emergency rule compiles");
        EmergencyDetector {
            negatives: compile(NOT_EMERGENCIES),
            kinds: KINDS.iter().map(|(k, src)| (*k, compile(src))).collect(),
        }
    }

    /// The most urgent emergency in a folded message, if any.
    pub fn detect(&self, original: &str, folded: &Folded) -> Option<Emergency> {
        // Blank the harmless phrases with spaces of the same length, so offsets still map to the original.
        let masked = self
            .negatives
            .replace_all(&folded.text, |c: &regex::Captures<'_>| {
                " ".repeat(c[0].len())
            });
        self.kinds.iter().find_map(|(kind, re)| {
            re.find(&masked).map(|m| {
                let (s, e) = folded.original_range(m.start(), m.end());
                Emergency {
                    kind: *kind,
                    matched: original[s..e].to_string(),
                }
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detect(text: &str) -> Option<EmergencyKind> {
        EmergencyDetector::new()
            .detect(text, &Folded::new(text))
            .map(|e| e.kind)
    }

    #[test]
    fn positives_in_english_and_spanish() {
        use EmergencyKind::*;
        let cases = [
            ("I smell gas in the hallway", GasLeak),
            ("Strong gas odor near 12 Oak St", GasLeak),
            ("Huele a gas en toda la cuadra", GasLeak),
            ("Hay una fuga de gas en la esquina", GasLeak),
            ("The house next door is on fire", Fire),
            ("Flames coming out of the dumpster", Fire),
            ("Black smoke pouring out of the window", Fire),
            ("Hay un incendio en la casa de al lado", Fire),
            ("Se está quemando un carro", Fire),
            ("A man is not breathing on the sidewalk", Medical),
            ("Woman unconscious at the bus stop", Medical),
            ("Someone is badly hurt on the corner", Medical),
            ("Un señor está inconsciente en la banqueta", Medical),
            ("Hay un herido en la calle", Medical),
            ("Power line down across the road and sparking", PowerLine),
            ("Downed wires on Elm", PowerLine),
            ("Cables de luz caídos en la calle", PowerLine),
            ("El transformador está echando chispas", PowerLine),
            ("Car crash at the light, driver is injured", CrashInjury),
            ("Pedestrian hit by a car on Main", CrashInjury),
            ("Atropellaron a una persona en el bulevar", CrashInjury),
            ("Choque con heridos en Reforma", CrashInjury),
            ("Shots fired behind the school", Violence),
            ("A guy waving a knife at people", Violence),
            ("Hubo una balacera en el parque", Violence),
            ("Un hombre con una pistola en la tienda", Violence),
            ("A child is drowning in the pond", Drowning),
            ("Un niño se está ahogando en el canal", Drowning),
            ("Our carbon monoxide alarm is going off", CarbonMonoxide),
            (
                "Creo que hay monóxido de carbono en la casa",
                CarbonMonoxide,
            ),
        ];
        for (text, kind) in cases {
            assert_eq!(detect(text), Some(kind), "{text}");
        }
    }

    #[test]
    fn hard_negatives_do_not_fire() {
        for text in [
            "Fire hydrant leaking on the corner",
            "Truck parked in the fire lane every night",
            "The gas company dug up the sidewalk and never fixed it",
            "Old gas grill dumped in the alley",
            "That dead tree is a fire hazard",
            "A child could get hurt on this broken swing",
            "Needs to be fixed before someone gets hurt",
            "Broken sign at the gas station exit",
            "Fireworks noise every night until 2am",
            "Smoke detector chirping in the hallway, landlord won't replace it",
            "No carbon monoxide detector in my apartment",
            "This pothole is an accident waiting to happen, someone will get hurt",
            "Dead dog hit by a car on Route 9",
            "Power lines tangled in the tree branches",
            "El hidrante está tirando agua",
            "La boca de incendio está rota",
            "Ese árbol seco es un riesgo de incendio",
            "Hay una gasolinera abandonada llena de basura",
            "Perro atropellado en la calle",
            "Casi atropellan a un niño por culpa del tope",
            "I was almost hit by a car at this crosswalk",
            "Smoke coming from the restaurant exhaust all day",
            "The old shed roof collapsed on the fence",
            "Si llamas al 311 nadie contesta",
            "Fuegos artificiales toda la noche",
            "Un niño se puede lastimar en el columpio roto",
        ] {
            assert_eq!(detect(text), None, "{text}");
        }
    }

    #[test]
    fn matched_text_is_quoted_from_the_original() {
        let text = "¡Huele a GAS aquí!";
        let e = EmergencyDetector::new()
            .detect(text, &Folded::new(text))
            .unwrap();
        assert_eq!(e.matched, "Huele a GAS");
    }
}
