//! The figures a community reports and the four rates, with their definitions.

/// How each of the four rates is defined, in Chinese, in the order response, resolution,
/// on time, satisfaction: printed beside the figures so a reader can check them.
pub const RATE_DEFINITIONS_ZH: [&str; 4] = [
    "在响应时限内首次处置（派单、发布、办结、转长期跟进或关闭）的件数 ÷ 收到件数",
    "已办结件数（含已回访）÷ 收到件数",
    "在办结时限内办结的件数 ÷ 已办结件数",
    "回访评价为满意或基本满意的件数 ÷ 参与评价的件数",
];

use serde::Serialize;

/// Raw counts over the requests received in a period, by their state now.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Counts {
    pub received: i64,
    pub resolved: i64,
    pub long_term: i64,
    pub open: i64,
    pub closed: i64,
    pub overdue: i64,
    /// First acted on by the respond-by deadline.
    pub responded_in_time: i64,
    /// Resolved by the resolve-by deadline.
    pub resolved_in_time: i64,
    /// Given a satisfaction rating at the call-back.
    pub rated: i64,
    /// Rated satisfied or basically satisfied.
    pub satisfied: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Rate {
    pub numerator: i64,
    pub denominator: i64,
    /// `numerator / denominator` rounded to 0.1%, as a fraction (0.937); `None` when
    /// there is nothing to divide by.
    pub value: Option<f64>,
    pub definition: &'static str,
}

impl Rate {
    fn new(numerator: i64, denominator: i64, definition: &'static str) -> Rate {
        let value = (denominator > 0)
            .then(|| (numerator as f64 / denominator as f64 * 1000.0).round() / 1000.0);
        Rate {
            numerator,
            denominator,
            value,
            definition,
        }
    }

    /// `93.7%`, or `—` when undefined.
    pub fn percent(&self) -> String {
        match self.value {
            Some(v) => format!("{:.1}%", v * 100.0),
            None => "—".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Rates {
    pub response: Rate,
    pub resolution: Rate,
    pub on_time: Rate,
    pub satisfaction: Rate,
}

pub const RESPONSE_DEFINITION: &str =
    "响应率 response rate: requests first acted on (dispatched, pooled, resolved, moved to long-term follow-up or closed) within the response limit ÷ requests received";
pub const RESOLUTION_DEFINITION: &str =
    "办结率 resolution rate: requests resolved (办结, with or without the call-back) ÷ requests received";
pub const ON_TIME_DEFINITION: &str =
    "按时办结率 on-time rate: requests resolved within the resolution limit ÷ requests resolved";
pub const SATISFACTION_DEFINITION: &str =
    "满意率 satisfaction rate: call-backs rated satisfied or basically satisfied ÷ call-backs rated";

impl Counts {
    pub fn rates(&self) -> Rates {
        Rates {
            response: Rate::new(self.responded_in_time, self.received, RESPONSE_DEFINITION),
            resolution: Rate::new(self.resolved, self.received, RESOLUTION_DEFINITION),
            on_time: Rate::new(self.resolved_in_time, self.resolved, ON_TIME_DEFINITION),
            satisfaction: Rate::new(self.satisfied, self.rated, SATISFACTION_DEFINITION),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_resolution_rate() {
        let counts = Counts {
            received: 143,
            resolved: 134,
            long_term: 9,
            ..Counts::default()
        };
        let rates = counts.rates();
        assert_eq!(rates.resolution.value, Some(0.937));
        assert_eq!(rates.resolution.percent(), "93.7%");
        assert_eq!(rates.satisfaction.value, None);
        assert_eq!(rates.satisfaction.percent(), "—");
    }
}
