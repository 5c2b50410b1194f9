//! Volunteer recognition: star levels by service hours, as in national practice (100,
//! 300, 600, 1000 and 1500 hours give one to five stars).

/// Hours needed for each star.
pub const STAR_HOURS: [i64; 5] = [100, 300, 600, 1000, 1500];

/// Stars for a total of service minutes.
pub fn stars(minutes: i64) -> u8 {
    STAR_HOURS.iter().filter(|h| minutes >= *h * 60).count() as u8
}

/// Hours still needed for the next star, if there is one.
pub fn to_next_star(minutes: i64) -> Option<f64> {
    STAR_HOURS
        .iter()
        .find(|h| minutes < *h * 60)
        .map(|h| (h * 60 - minutes) as f64 / 60.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn star_levels() {
        assert_eq!(stars(0), 0);
        assert_eq!(stars(99 * 60 + 59), 0);
        assert_eq!(stars(100 * 60), 1);
        assert_eq!(stars(300 * 60), 2);
        assert_eq!(stars(999 * 60), 3);
        assert_eq!(stars(1500 * 60), 5);
        assert_eq!(stars(10_000 * 60), 5);
        assert_eq!(to_next_star(90 * 60), Some(10.0));
        assert_eq!(to_next_star(1600 * 60), None);
    }
}
