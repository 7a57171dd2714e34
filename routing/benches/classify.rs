//! Classification throughput on a mixed set of short and long English and Spanish messages, and on the authored
//! location set's 162 reports: rules alone, and rules with a model trained in the setup on the authored fixture
//! reports (never real data). Timed by the thread's CPU clock, so that "messages per second" means on one core,
//! however busy the machine is.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

#[path = "support/cpu_time.rs"]
mod cpu_time;
use cpu_time::ThreadCpuTime;
use routing::{CityConfig, Router, TrainOptions, TrainingRow};

const MESSAGES: &[&str] = &[
    "Pothole on Elm St",
    "Huge pothole in front of 42 Maple Avenue, two cars already blew tires this week.\nPlease fill it.",
    "Street light out at the corner of 5th and Main, it has been dark for a week",
    "Loud music from the bar on Water Street every night until 3am, we can't sleep",
    "Bache enorme en Calle Juárez 45 entre Hidalgo y Morelos, Col. Centro",
    "C. REPORTA FUGA DE AGUA EN LA ESQUINA DE REFORMA Y SONORA",
    "Missed trash pickup\nOur recycling was not picked up on Tuesday at 18 Birch Rd.",
    "I smell gas in the basement of 12 Oak St, please send someone",
    "Hay basura tirada y un colchón en el parque de la colonia Las Palmas, ya tiene dos semanas",
    "Graffiti on the wall of the library",
    "Car with no plates parked for three weeks on Cedar Lane, flat tires, never moves",
    "Subject: dead tree\n\nHello, the big oak in front of our house at 1200 block of Elm Avenue is dead and \
     branches fall every time it is windy. The city planted it twenty years ago. Could someone come and look \
     at it before the next storm? Thank you, a neighbour. https://www.google.com/maps/@40.7128,-74.0060,17z",
    "Se cayó un árbol en la banqueta y no se puede pasar, frente a la escuela primaria, por favor vengan a \
     quitarlo porque los niños tienen que caminar por la calle y es peligroso con los carros.",
    "Storm drain clogged with leaves, the whole intersection floods when it rains",
];

fn bench(c: &mut Criterion<ThreadCpuTime>) {
    let cfg = CityConfig::from_toml_str(include_str!("../../config/city.toml"))
        .expect("city.toml is valid");
    let router = Router::new(&cfg).expect("router compiles");
    let mut group = c.benchmark_group("classify");
    group.throughput(Throughput::Elements(MESSAGES.len() as u64));
    group.bench_function("mixed_en_es", |b| {
        b.iter(|| {
            for m in MESSAGES {
                std::hint::black_box(router.classify(std::hint::black_box(m)));
            }
        })
    });
    let with_model = router
        .with_model(
            router
                .train_model(&fixture_rows(), &TrainOptions::default())
                .expect("fixture trains"),
        )
        .expect("fixture departments are the example city's");
    group.bench_function("mixed_en_es_with_model", |b| {
        b.iter(|| {
            for m in MESSAGES {
                std::hint::black_box(with_model.classify(std::hint::black_box(m)));
            }
        })
    });
    // The authored location set: many more phrasings, a third of them Spanish with accents.
    let set = location_set();
    group.throughput(Throughput::Elements(set.len() as u64));
    for (name, r) in [
        ("location_set", &router),
        ("location_set_with_model", &with_model),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| {
                for m in &set {
                    std::hint::black_box(r.classify(std::hint::black_box(m)));
                }
            })
        });
    }
    group.finish();
}

/// The texts of the authored location set (`tests/location_set.csv`).
fn location_set() -> Vec<String> {
    let text = include_str!("../tests/location_set.csv");
    csv::Reader::from_reader(text.as_bytes())
        .records()
        .map(|r| r.expect("location set row")[4].to_string())
        .collect()
}

/// The authored resident-style reports the unit tests train on.
fn fixture_rows() -> Vec<TrainingRow> {
    let text = include_str!("../tests/fixtures/resident_reports.csv");
    csv::Reader::from_reader(text.as_bytes())
        .records()
        .map(|r| {
            let r = r.expect("fixture row");
            TrainingRow::new(&r[0], &r[1])
        })
        .collect()
}

criterion_group! {
    name = benches;
    config = Criterion::default().with_measurement(ThreadCpuTime::default());
    targets = bench
}
criterion_main!(benches);
