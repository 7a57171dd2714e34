//! Location finding throughput on short and long English and Spanish messages, without a gazetteer and with the
//! example city's streets (snapping, typos, coordinates).

use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use routing::gazetteer::Gazetteer;
use routing::location::LocationFinder;

const MESSAGES: &[&str] = &[
    "Pothole at the corner of Main and 3rd",
    "Leak under the sidewalk at 1200 N Main Street Apt 4, water everywhere since this morning",
    "Pothole on Cedar Ln between 6th and 8th, and another one at Mian St & 2nd",
    "Bache en la calle Juárez esquina con Reforma, frente al número 45 de la calle Oak",
    "Luminaria apagada en Blvd. Reforma 310 casi esquina con Juárez",
    "Loud music and parties every night, nobody sleeps, please send someone before the weekend",
    "Subject: trees\n\nHello, the big oak in front of our house is dead and branches fall every time it is \
     windy. The city planted it twenty years ago. Could someone come and look at it before the next storm? It \
     is where Walnut crosses Madison, next to the school. Thank you, a neighbour.",
];

fn bench(c: &mut Criterion) {
    let streets =
        Gazetteer::from_csv(include_str!("../../config/streets.csv")).expect("streets read");
    let finders = [
        ("plain", LocationFinder::new()),
        (
            "riverton",
            LocationFinder::with_gazetteer(Arc::new(streets)),
        ),
    ];
    let mut group = c.benchmark_group("locations");
    group.throughput(Throughput::Elements(MESSAGES.len() as u64));
    for (name, finder) in &finders {
        group.bench_function(*name, |b| {
            b.iter(|| {
                for m in MESSAGES {
                    std::hint::black_box(finder.find_all(std::hint::black_box(m)));
                }
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
