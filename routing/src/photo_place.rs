//! A resident's photo as a place: the GPS position a phone wrote into it becomes the request's location (kind
//! `photo_gps`) when the text names none; when the text names a place, the text wins (the resident may have
//! sent an older photo, or taken it from across the street). Either way the decision's reasons say which.

use crate::classify::Decision;
use crate::location::{Location, LocationKind};
use crate::place_key::point_key;

/// A photo's GPS position and the file it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct PhotoPosition {
    pub filename: String,
    pub lat: f64,
    pub lon: f64,
}

impl PhotoPosition {
    /// The position as a location: its text reads as the resident would see it.
    pub fn location(&self) -> Location {
        let text = format!("{:.5}, {:.5}", self.lat, self.lon);
        Location {
            kind: LocationKind::PhotoGps,
            end: 0,
            start: 0,
            text,
            normalized: point_key(self.lat, self.lon),
            lat: Some(self.lat),
            lon: Some(self.lon),
        }
    }
}

/// Folds the first photo position into `d`: it becomes the location when the text gave none, otherwise it is
/// recorded in the reasons as overruled by the text. Positions after the first are not used.
pub fn apply_photo_position(d: &mut Decision, photos: &[PhotoPosition]) {
    let Some(photo) = photos.first() else {
        return;
    };
    let place = photo.location();
    match &d.location {
        Some(text) => d.reasons.push(format!(
            "the text's place \"{}\" wins over the GPS position in photo {} ({})",
            text.text, photo.filename, place.text
        )),
        None => {
            d.reasons.push(format!(
                "location photo_gps \"{}\" (from the GPS position in photo {}; the text names no place)",
                place.text, photo.filename
            ));
            d.locations.push(place.clone());
            d.location = Some(place);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::CityConfig;
    use crate::Router;

    fn router() -> Router {
        let city = CityConfig::from_toml_str(include_str!("../../config/city.toml")).unwrap();
        Router::new(&city).unwrap()
    }

    fn photo() -> PhotoPosition {
        PhotoPosition {
            filename: "IMG_4512.jpeg".into(),
            lat: 41.878_114,
            lon: -87.629_798,
        }
    }

    #[test]
    fn without_a_place_in_the_text_the_photo_says_where() {
        let mut d = router().classify("Huge pothole, my tire blew");
        assert!(d.location.is_none());
        apply_photo_position(&mut d, &[photo()]);
        let l = d.location.as_ref().unwrap();
        assert_eq!(
            (l.kind, l.text.as_str(), l.normalized.as_str()),
            (
                LocationKind::PhotoGps,
                "41.87811, -87.62980",
                "41.87811,-87.62980"
            )
        );
        assert_eq!((l.lat, l.lon), (Some(41.878_114), Some(-87.629_798)));
        assert_eq!(d.locations, vec![l.clone()]);
        assert!(
            d.reasons.last().unwrap().contains("photo_gps")
                && d.reasons.last().unwrap().contains("IMG_4512.jpeg"),
            "{:?}",
            d.reasons
        );
        assert_eq!(LocationKind::PhotoGps.to_string(), "photo_gps");
        assert_eq!(
            serde_json::to_value(LocationKind::PhotoGps).unwrap(),
            "photo_gps"
        );
    }

    #[test]
    fn the_texts_place_wins_and_the_reasons_say_so() {
        let mut d = router().classify("Huge pothole at 210 Main St");
        let before = d.location.clone().expect("the text names a place");
        apply_photo_position(&mut d, &[photo()]);
        assert_eq!(d.location, Some(before));
        assert!(
            d.reasons
                .last()
                .unwrap()
                .contains("wins over the GPS position"),
            "{:?}",
            d.reasons
        );
    }

    #[test]
    fn no_photo_no_change() {
        let mut d = router().classify("Huge pothole");
        let before = d.clone();
        apply_photo_position(&mut d, &[]);
        assert_eq!(d, before);
    }
}
