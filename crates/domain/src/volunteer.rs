//! Volunteer recognition: star levels by service hours, as in national practice (100,
//! 300, 600, 1000 and 1500 hours give one to five stars), and why hours move in the
//! hours ledger.

use serde::{Deserialize, Serialize};

/// Why a row of the hours ledger credits or takes back minutes. Stored as text
/// ([`HoursSource::as_str`]) in every row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HoursSource {
    /// A job resolved: its minutes are credited.
    Job,
    /// A resolved job reopened: its hours are taken back.
    Reversal,
    /// Hours for a group activity, recorded by staff.
    Activity,
}

impl HoursSource {
    pub const ALL: [HoursSource; 3] = [
        HoursSource::Job,
        HoursSource::Reversal,
        HoursSource::Activity,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            HoursSource::Job => "job",
            HoursSource::Reversal => "reversal",
            HoursSource::Activity => "activity",
        }
    }

    pub fn parse(text: &str) -> Option<HoursSource> {
        HoursSource::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// What the row adds to the count of jobs done: one for a job, minus one for a job
    /// taken back, nothing for an activity.
    pub fn jobs(self) -> i64 {
        match self {
            HoursSource::Job => 1,
            HoursSource::Reversal => -1,
            HoursSource::Activity => 0,
        }
    }
}

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

    #[test]
    fn hours_sources_read_back_as_stored() {
        for source in HoursSource::ALL {
            assert_eq!(HoursSource::parse(source.as_str()), Some(source));
        }
        assert_eq!(HoursSource::parse("Job"), None);
        let jobs: i64 = HoursSource::ALL.iter().map(|s| s.jobs()).sum();
        assert_eq!(jobs, 0);
    }
}
