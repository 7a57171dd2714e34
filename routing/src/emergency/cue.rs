//! The concepts a word or phrase can stand for, and what an emergency sign needs around it to count.

use super::EmergencyKind;

/// Who or what a phrase names: a sign about a person must be bound to one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Subject {
    /// someone, a man, my neighbour, una señora, un niño…
    Person,
    /// he, she, they, I: stands for the nearest named subject before it.
    Pronoun,
    /// landlord, office, the city, 311, el municipio: never the one in danger.
    Role,
    /// dog, deer, raccoon, perro: not a dispatch emergency.
    Animal,
    /// tree, battery, streetlight, car, poste: "dead" or "stuck" about things.
    Thing,
}

/// Time and certainty around a sign.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mark {
    /// now, right now, ahorita, en este momento, still inside, send an ambulance.
    Now,
    /// yesterday, last week, anoche, la semana pasada: a past event, not one happening.
    Past,
    /// every night, always, keeps, siempre, cada vez que: a pattern, not an event.
    Habit,
    /// could, might, if, before, podría, va a: a hazard, not a harm.
    Maybe,
    /// is, are, está, hay: present tense for signs that need it.
    Is,
}

/// Context words that complete a sign.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Part {
    /// smell, odor, leak, hissing, huele, olor, fuga (around "gas").
    Smell,
    /// wire, power line, transformer, cables de luz.
    Wire,
    /// down, fell, on the ground, caídos, tirados (said after the wire, or right before it).
    Down,
    /// sparking, arcing, on fire, exploded, echando chispas, explotó (either side of the wire).
    Spark,
    /// crash, accident, hit and run, choque, atropellado.
    Crash,
    /// injured, bleeding, trapped, ambulance, heridos, prensado.
    Hurt,
    /// river, lake, pool, ice, canal, presa, alberca.
    Water,
    /// flood, rising water, arroyo, vado, inundado.
    Flood,
    /// car, truck, carro, camioneta.
    Vehicle,
    /// coming out of, pouring, sale, saliendo (smoke flowing).
    Flow,
    /// house, building, window, roof, casa, edificio.
    Building,
    /// bridge, roof, ledge, puente, azotea (where someone could jump from).
    High,
    /// smell, smoke, fumes, dust: what makes a complaint "hard to breathe".
    Fume,
    /// gun, knife, pistola, cuchillo.
    Weapon,
    /// has, holding, waving, pulled, trae, porta: a weapon in someone's hand.
    Wield,
    /// going off, sounding, sonando: an alarm that is alarming.
    Sounding,
    /// going to, wants to, threatening to, quiere, va a: intent before "kill himself".
    Intent,
    /// in the water, in the river, en el canal: a person there is in danger of drowning.
    InWater,
    /// car, building, elevator, rubble, under, inside, flood water: where someone can really be trapped.
    Confine,
    /// someone, a man, a stranger, alguien, un tipo: a person who is not family.
    Stranger,
    /// sewer, septic, drenaje: a smell from there is sewer gas, not a gas leak.
    Sewer,
    /// heard, hear, sounds like, se oyen, escuché: shots heard are shots fired.
    Hear,
    /// inside, in it, adentro, dentro: people inside a vehicle or place.
    Inside,
    /// people, a family, the driver, gente, personas: who can be inside a car swept by water.
    Occupant,
    /// not home, on vacation, no hay nadie: the owners are away.
    Away,
    /// telephone, internet, cable TV, Telmex, a fence: wires that are not power lines.
    OtherWire,
    /// batteries, install, replace, missing: detectors that need upkeep, not an alarm going off.
    Upkeep,
    /// grill, fire pit, fireplace, fogata: a fire meant to burn.
    Hearth,
}

/// Whom a sign must be about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Who {
    /// Anyone or nothing: a fire is a fire.
    Free,
    /// Not an animal, a role or a thing (a person or nobody named).
    Living,
    /// Anything but an animal: a crime's subject may be the thing stolen ("se están robando un carro").
    NotAnimal,
    /// A person must be named (or a pronoun standing for one).
    Person,
}

/// What tense a sign needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Tense {
    Any,
    /// is/are/está just before, a "now" word in the sentence, or a person named right beside it.
    Present,
    /// A "now" word in the sentence.
    Now,
}

/// A phrase that shows an emergency, and what it needs around it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Sign {
    pub kind: EmergencyKind,
    pub who: Who,
    /// Context that must appear in the same sentence, each within this many words.
    pub near: &'static [(Part, u8)],
    pub tense: Tense,
    /// Context that must come after it in the same sentence, within this many words ("wires … down").
    pub follow: Option<(Part, u8)>,
    /// A person named right after it, within this many words ("hitting his wife", "ran over a kid").
    pub object: Option<u8>,
    /// Counts even when habitual or hedged: a gas smell every morning, "going to kill himself".
    pub sure: bool,
    /// Chosen only when no ordinary sign fired (a cry for help on its own).
    pub weak: bool,
    /// Context in the sentence that cancels the sign ("can't breathe" from a smell).
    pub unless: &'static [Part],
    /// Context in the sentence that turns the sign into another kind (injured + crash; the first that applies).
    pub upgrade: &'static [(Part, EmergencyKind)],
}

/// A sign of `kind` that needs nothing around it.
pub(super) const fn sign(kind: EmergencyKind) -> Sign {
    Sign {
        kind,
        who: Who::Free,
        near: &[],
        tense: Tense::Any,
        follow: None,
        object: None,
        sure: false,
        weak: false,
        unless: &[],
        upgrade: &[],
    }
}

impl Sign {
    pub(super) const fn living(mut self) -> Sign {
        self.who = Who::Living;
        self
    }
    pub(super) const fn not_animal(mut self) -> Sign {
        self.who = Who::NotAnimal;
        self
    }
    pub(super) const fn person(mut self) -> Sign {
        self.who = Who::Person;
        self
    }
    pub(super) const fn near(mut self, near: &'static [(Part, u8)]) -> Sign {
        self.near = near;
        self
    }
    pub(super) const fn present(mut self) -> Sign {
        self.tense = Tense::Present;
        self
    }
    pub(super) const fn now(mut self) -> Sign {
        self.tense = Tense::Now;
        self
    }
    pub(super) const fn follow(mut self, part: Part, within: u8) -> Sign {
        self.follow = Some((part, within));
        self
    }
    pub(super) const fn object(mut self, within: u8) -> Sign {
        self.object = Some(within);
        self
    }
    pub(super) const fn sure(mut self) -> Sign {
        self.sure = true;
        self
    }
    pub(super) const fn weak(mut self) -> Sign {
        self.weak = true;
        self
    }
    pub(super) const fn unless(mut self, parts: &'static [Part]) -> Sign {
        self.unless = parts;
        self
    }
    pub(super) const fn upgrade(mut self, upgrade: &'static [(Part, EmergencyKind)]) -> Sign {
        self.upgrade = upgrade;
        self
    }
}

/// What one lexicon phrase stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Cue {
    Subject(Subject),
    Mark(Mark),
    Part(Part),
    Sign(Sign),
    /// in, at, of, de, del: the noun after it is not the subject ("a man in the car", "el perro del vecino").
    Prep,
}
