//! Generated 311-like mails (English and Spanish, many categories, varied places and senders): the bench's own
//! texts, written here, never taken from the evaluation data.

/// A small deterministic generator (xorshift64*), so runs are comparable.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next_u64() % items.len() as u64) as usize]
    }
}

const STREETS: &[&str] = &[
    "Main St",
    "Oak Avenue",
    "Elm Street",
    "Maple Dr",
    "Cedar Lane",
    "Pine Road",
    "Washington Blvd",
    "Lincoln Ave",
    "Jefferson St",
    "Park Place",
    "River Road",
    "Hill Street",
    "Lake Drive",
    "Sunset Blvd",
    "Broadway",
    "Market Street",
    "Church St",
    "Mill Road",
    "Spring Street",
    "Franklin Ave",
];

/// (subject, body) templates; `{a}` is an address, `{s}` a cross street.
const ENGLISH: &[(&str, &str)] = &[
    ("Pothole", "There is a deep pothole in front of {a}. Two cars already blew a tire this week."),
    ("Streetlight out", "The streetlight at {a} near {s} has been out for several nights; the block is completely dark."),
    ("Graffiti", "Someone sprayed graffiti all over the wall of the building at {a}. Please remove it."),
    ("Missed trash pickup", "Our garbage was not collected this week at {a}. The bins are still on the curb."),
    ("Noise complaint", "Loud music from a party at {a} every night after midnight, the neighbors cannot sleep."),
    ("Water leak", "Water is leaking from the street near {a} and running down toward {s} for two days."),
    ("Abandoned car", "A car with flat tires and no plates has been parked at {a} for three weeks."),
    ("Fallen tree branch", "A big tree branch fell on the sidewalk at {a} and blocks the way for strollers."),
    ("Illegal dumping", "Someone dumped old mattresses and furniture in the alley behind {a}."),
    ("Broken sidewalk", "The sidewalk in front of {a} is cracked and lifted, my mother tripped on it."),
    ("Dead animal", "There is a dead raccoon in the road at {a} close to {s}."),
    ("Storm drain clogged", "The storm drain at the corner of {a} and {s} is clogged with leaves and floods when it rains."),
];

const SPANISH: &[(&str, &str)] = &[
    ("Bache", "Hay un bache enorme frente al {a}, ya se poncharon dos llantas esta semana."),
    ("Lampara apagada", "La lampara del alumbrado en {a} esta apagada desde hace una semana, la calle esta muy oscura."),
    ("Basura", "No recogieron la basura esta semana en {a}, los botes siguen en la banqueta."),
    ("Ruido", "Hay musica muy fuerte todas las noches en {a} despues de medianoche, no podemos dormir."),
    ("Fuga de agua", "Sale agua de la calle cerca de {a} desde hace dos dias y corre hasta {s}."),
    ("Grafiti", "Pintaron grafiti en toda la pared del edificio en {a}, por favor quitenlo."),
    ("Carro abandonado", "Un carro sin placas y con las llantas ponchadas lleva tres semanas estacionado en {a}."),
];

/// One generated mail: who sent it and its raw RFC 5322 bytes, with a Message-ID unique to this run.
pub struct Generated {
    pub sender: String,
    pub raw: Vec<u8>,
}

/// The `n`-th mail of a run tagged `run`, addressed to `inbox`.
pub fn mail(rng: &mut Rng, run: &str, n: usize, inbox: &str) -> Generated {
    let spanish = rng.next_u64().is_multiple_of(4);
    let (subject, body) = if spanish {
        SPANISH[(rng.next_u64() % SPANISH.len() as u64) as usize]
    } else {
        ENGLISH[(rng.next_u64() % ENGLISH.len() as u64) as usize]
    };
    let address = format!("{} {}", 10 + rng.next_u64() % 4990, rng.pick(STREETS));
    let cross = rng.pick(STREETS);
    let body = body.replace("{a}", &address).replace("{s}", cross);
    let sender = format!("resident{}-{run}@example.test", rng.next_u64() % 5000);
    let date = chrono::Utc::now().to_rfc2822();
    let raw = format!(
        "From: Resident <{sender}>\r\nTo: <{inbox}>\r\nSubject: {subject} #{n}\r\nDate: {date}\r\n\
         Message-ID: <bench-{n}-{run}@example.test>\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n\r\nThanks,\r\nA resident\r\n"
    );
    Generated {
        sender,
        raw: raw.into_bytes(),
    }
}
