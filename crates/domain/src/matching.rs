//! Suggesting volunteers for a request, each with the reasons it was suggested: skill fit,
//! proximity (same entrance, then building, then grid), current load, and how much they
//! have done before (reliability).

use crate::category::CategoryCode;
use crate::ids::{PlaceId, UserId};
use serde::Serialize;

/// What matching needs to know about a volunteer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub user_id: UserId,
    pub username: String,
    pub display_name: String,
    pub skills: Vec<String>,
    pub entrance_id: Option<PlaceId>,
    pub building_id: Option<PlaceId>,
    pub grid_id: Option<PlaceId>,
    /// Requests they have accepted and not yet resolved.
    pub open_load: i64,
    /// Requests they have resolved.
    pub resolved: i64,
}

/// Where the request is and what it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Need {
    pub category: CategoryCode,
    pub entrance_id: Option<PlaceId>,
    pub building_id: Option<PlaceId>,
    pub grid_id: Option<PlaceId>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// Lists this category among their skills.
    Skill,
    /// Will help with anything.
    General,
    SameEntrance,
    SameBuilding,
    SameGrid,
    /// Nothing in hand right now.
    Free,
    /// Already has this many open jobs.
    Busy(i64),
    /// Has resolved this many requests.
    Experienced(i64),
}

impl Reason {
    pub fn zh(&self) -> String {
        match self {
            Reason::Skill => "技能对口".into(),
            Reason::General => "什么都能帮".into(),
            Reason::SameEntrance => "同一单元门".into(),
            Reason::SameBuilding => "同一栋楼".into(),
            Reason::SameGrid => "同一网格".into(),
            Reason::Free => "目前无在办任务".into(),
            Reason::Busy(n) => format!("在办 {n} 件"),
            Reason::Experienced(n) => format!("已办结 {n} 件"),
        }
    }

    pub fn en(&self) -> String {
        match self {
            Reason::Skill => "skill fits".into(),
            Reason::General => "helps with anything".into(),
            Reason::SameEntrance => "same entrance".into(),
            Reason::SameBuilding => "same building".into(),
            Reason::SameGrid => "same grid".into(),
            Reason::Free => "nothing in hand".into(),
            Reason::Busy(n) => format!("{n} open jobs"),
            Reason::Experienced(n) => format!("{n} resolved before"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suggestion {
    pub user_id: UserId,
    pub username: String,
    pub display_name: String,
    pub score: i64,
    pub reasons: Vec<Reason>,
}

/// Volunteers whose skills fit, best first. Ties keep the input order.
pub fn suggest(need: &Need, candidates: &[Candidate], limit: usize) -> Vec<Suggestion> {
    let mut out: Vec<Suggestion> = candidates
        .iter()
        .filter_map(|c| {
            let mut reasons = Vec::new();
            let mut score = if c.skills.iter().any(|s| need.category == s.as_str()) {
                reasons.push(Reason::Skill);
                100
            } else if c.skills.iter().any(|s| s == "general") {
                reasons.push(Reason::General);
                60
            } else {
                return None;
            };
            let same = |a: Option<PlaceId>, b: Option<PlaceId>| a.is_some() && a == b;
            if same(c.entrance_id, need.entrance_id) {
                reasons.push(Reason::SameEntrance);
                score += 40;
            } else if same(c.building_id, need.building_id) {
                reasons.push(Reason::SameBuilding);
                score += 30;
            } else if same(c.grid_id, need.grid_id) {
                reasons.push(Reason::SameGrid);
                score += 15;
            }
            if c.open_load == 0 {
                reasons.push(Reason::Free);
                score += 20;
            } else {
                reasons.push(Reason::Busy(c.open_load));
                score -= 15 * c.open_load.min(4);
            }
            if c.resolved > 0 {
                reasons.push(Reason::Experienced(c.resolved));
                score += c.resolved.min(20);
            }
            Some(Suggestion {
                user_id: c.user_id,
                username: c.username.clone(),
                display_name: c.display_name.clone(),
                score,
                reasons,
            })
        })
        .collect();
    out.sort_by_key(|s| std::cmp::Reverse(s.score));
    out.truncate(limit);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(id: i64, skills: &[&str], entrance: i64, building: i64, load: i64) -> Candidate {
        Candidate {
            user_id: UserId::new(id),
            username: format!("v{id}"),
            display_name: format!("V{id}"),
            skills: skills.iter().map(|s| s.to_string()).collect(),
            entrance_id: Some(PlaceId::new(entrance)),
            building_id: Some(PlaceId::new(building)),
            grid_id: Some(PlaceId::new(1)),
            open_load: load,
            resolved: 0,
        }
    }

    #[test]
    fn skill_then_proximity_then_load() {
        let need = Need {
            category: crate::category::CategoryCode::parse("sewer_overflow").unwrap(),
            entrance_id: Some(PlaceId::new(11)),
            building_id: Some(PlaceId::new(10)),
            grid_id: Some(PlaceId::new(1)),
        };
        let list = [
            candidate(1, &["errands"], 11, 10, 0),
            candidate(2, &["general"], 11, 10, 0),
            candidate(3, &["sewer_overflow"], 99, 98, 2),
            candidate(4, &["sewer_overflow"], 11, 10, 0),
            candidate(5, &["sewer_overflow", "plumbing"], 12, 10, 0),
        ];
        let got = suggest(&need, &list, 10);
        let order: Vec<i64> = got.iter().map(|s| s.user_id.get()).collect();
        assert_eq!(
            order,
            [4, 5, 2, 3],
            "no skill, no suggestion; nearer and freer first"
        );
        assert_eq!(
            got[0].reasons,
            [Reason::Skill, Reason::SameEntrance, Reason::Free]
        );
        assert!(got[3].reasons.contains(&Reason::Busy(2)));
        assert_eq!(suggest(&need, &list, 2).len(), 2);
    }
}
