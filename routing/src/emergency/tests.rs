//! Emergency detector tests: kinds in both languages, hard negatives, and the rules that decide (sentence,
//! subject, tense, hedges, masks, upgrades) with the words they quote.

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

fn quoted(text: &str) -> Option<(EmergencyKind, String)> {
    EmergencyDetector::new()
        .detect(text, &Folded::new(text))
        .map(|e| (e.kind, e.matched))
}

#[test]
fn new_kinds_serialize_in_snake_case() {
    for (kind, name) in [
        (EmergencyKind::CrimeInProgress, "crime_in_progress"),
        (EmergencyKind::SelfHarm, "self_harm"),
        (EmergencyKind::Trapped, "trapped"),
    ] {
        assert_eq!(kind.as_str(), name);
        assert_eq!(serde_json::to_value(kind).unwrap(), name);
        assert_eq!(
            serde_json::from_value::<EmergencyKind>(name.into()).unwrap(),
            kind
        );
    }
}

#[test]
fn evidence_is_quoted_as_written_with_the_person_and_the_context() {
    use EmergencyKind::*;
    let cases = [
        (
            "Smells REALLY strongly of Gas outside",
            GasLeak,
            "Smells REALLY strongly of Gas",
        ),
        (
            "my Neighbour is on the floor and won't wake up",
            Medical,
            "Neighbour … won't wake up",
        ),
        (
            "Se cayeron los cables de luz y están echando chispas",
            PowerLine,
            "Se cayeron los cables de luz",
        ),
        (
            "a boy fell into the harbor",
            Drowning,
            "boy fell into the harbor",
        ),
    ];
    for (text, kind, matched) in cases {
        assert_eq!(quoted(text), Some((kind, matched.to_string())), "{text}");
    }
}

#[test]
fn a_past_event_is_not_an_emergency_but_the_sentence_after_it_can_be() {
    assert_eq!(
        detect("Last week someone broke in. The door is still broken."),
        None
    );
    assert_eq!(detect("Someone broke into my garage yesterday"), None);
    assert_eq!(
        detect("There was a fire here last year. Now I smell gas in the hallway."),
        Some(EmergencyKind::GasLeak)
    );
    assert_eq!(
        detect("They broke in last week and right now they are back, someone is in my house"),
        Some(EmergencyKind::CrimeInProgress)
    );
}

#[test]
fn a_habit_or_a_hedge_cancels_an_event_but_not_a_hazard() {
    assert_eq!(detect("kids keep breaking into cars on this block"), None);
    assert_eq!(detect("a kid might fall into the canal"), None);
    assert_eq!(
        detect("Every morning the hallway smells of gas"),
        Some(EmergencyKind::GasLeak)
    );
    assert_eq!(
        detect("he keeps saying he is going to kill himself"),
        Some(EmergencyKind::SelfHarm)
    );
}

#[test]
fn harm_words_need_a_person_not_a_role_an_animal_or_a_thing() {
    for text in [
        "I called the landlord and he is unresponsive",
        "the landlord of my friend is unresponsive",
        "the dog is not breathing",
        "the battery is dead",
        "my car is stuck in the snow",
    ] {
        assert_eq!(detect(text), None, "{text}");
    }
    for text in [
        "A man collapsed and he is unresponsive",
        "a man in the car is unconscious",
        "el perro del vecino mordió a un niño y el niño está sangrando",
    ] {
        assert_eq!(detect(text), Some(EmergencyKind::Medical), "{text}");
    }
}

#[test]
fn context_turns_a_harm_into_the_emergency_it_is() {
    use EmergencyKind::*;
    assert_eq!(
        detect("after the crash the driver is trapped"),
        Some(CrashInjury)
    );
    assert_eq!(
        detect("someone is unconscious in the water"),
        Some(Drowning)
    );
    assert_eq!(detect("a car was swept away by the flood"), Some(Trapped));
    assert_eq!(detect("the current swept a kid away"), Some(Drowning));
}

#[test]
fn a_mask_hides_every_word_it_touches() {
    for text in [
        "car parked in the fire lane",
        "no one was hurt in the crash",
        "passing out flyers at the corner",
        "alguien se va a matar en ese bache",
    ] {
        assert_eq!(detect(text), None, "{text}");
    }
}

#[test]
fn phrases_expand_and_sentences_break_where_people_end_them() {
    assert_eq!(scan::expand("{is,are} {badly ,}hurt").len(), 4);
    assert_eq!(scan::expand("plain"), vec!["plain".to_string()]);
    assert_eq!(
        scan::sentence_breaks("A man on Main St. is bleeding"),
        Vec::<usize>::new()
    );
    assert_eq!(scan::sentence_breaks("C. REPORTA FUGA. Hay humo"), vec![16]);
    assert_eq!(scan::sentence_breaks("help!\nnow"), vec![5, 6]);
}

#[test]
fn kinds_read_back_from_their_stored_names() {
    for kind in EmergencyKind::ALL {
        assert_eq!(kind.as_str().parse::<EmergencyKind>(), Ok(kind));
        assert_eq!(
            serde_json::to_value(kind).unwrap(),
            serde_json::json!(kind.as_str())
        );
    }
    assert_eq!(
        "meteor".parse::<EmergencyKind>(),
        Err("unknown emergency kind `meteor`".to_string())
    );
}
