//! The demo's requests, written as plans (who did what, when) and then played through the
//! real store in time order, so every figure comes from a real ledger history.

use super::text::{texts, DECLINE_REASONS, LONG_TERM_NOTES, PARTNERS, SURNAMES, TITLES};
use anyhow::Context;
use bangbang_domain::{
    category::CategoryCode,
    lifecycle::{Action, DispatchTarget, Satisfaction},
    request::{Channel, RequestDraft, Urgency},
    time::local_zone,
    Actor, RequestId,
};
use bangbang_store::Store;
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::Rng;

/// The people of one community that the plans refer to.
pub struct Cast {
    pub slug: String,
    pub staff: Vec<Actor>,
    pub grid_worker: Actor,
    pub volunteers: Vec<Actor>,
    /// (building, entrance) numbers.
    pub entrances: Vec<(String, String)>,
}

impl Cast {
    fn fitting(&self, category: &str) -> Vec<&Actor> {
        self.volunteers
            .iter()
            .filter(|v| v.has_skill_for(category))
            .collect()
    }
}

#[derive(Clone, Copy)]
enum Who {
    Staff(usize),
    Grid,
    Volunteer(usize),
}

pub struct Plan {
    creator: Who,
    draft: RequestDraft,
    steps: Vec<(DateTime<Utc>, Who, Action)>,
}

/// The article's period: 143 requests from 2024-07-01 to 2024-11-15, 134 resolved and 9
/// in long-term follow-up; sewer overflows at 22 entrances, wall hazards at 16 and
/// stairwell lights at 20.
pub fn article_period(cast: &Cast, rng: &mut StdRng) -> Vec<Plan> {
    // (category, requests, distinct entrances or 0 for any, of which long-term)
    const MIX: &[(&str, usize, usize, usize)] = &[
        ("sewer_overflow", 26, 22, 0),
        ("wall_hazard", 18, 16, 0),
        ("stairwell_light", 23, 20, 0),
        ("plumbing", 12, 0, 2),
        ("electrical", 8, 0, 0),
        ("elder_care", 14, 0, 1),
        ("errands", 10, 0, 0),
        ("appliance", 7, 0, 0),
        ("sanitation", 8, 0, 1),
        ("greening", 5, 0, 2),
        ("neighbour_dispute", 6, 0, 2),
        ("consultation", 4, 0, 0),
        ("other", 2, 0, 1),
    ];
    let first = NaiveDate::from_ymd_opt(2024, 7, 1).expect("valid date");
    let mut plans = Vec::new();
    for &(category, count, distinct, long_term) in MIX {
        let mut pool = cast.entrances.clone();
        pool.shuffle(rng);
        let places: Vec<(String, String)> = if distinct > 0 {
            let chosen: Vec<_> = pool[..distinct].to_vec();
            let mut all = chosen.clone();
            while all.len() < count {
                all.push(chosen[rng.gen_range(0..chosen.len())].clone());
            }
            all
        } else {
            (0..count)
                .map(|_| pool[rng.gen_range(0..pool.len())].clone())
                .collect()
        };
        for (i, place) in places.into_iter().enumerate() {
            let is_long_term = i < long_term;
            // Resolved work is reported by 8 November so that it closes inside the period.
            let last_day = if is_long_term { 136 } else { 130 };
            let day = first + Duration::days(rng.gen_range(0..=last_day));
            let reported = local(day, rng.gen_range(8..18), rng.gen_range(0..60));
            let draft = draft(cast, category, place, reported, rng);
            plans.push(if is_long_term {
                long_term_plan(cast, draft, rng)
            } else {
                resolved_plan(cast, draft, rng)
            });
        }
    }
    plans
}

/// A few requests from the last days, in every open state, so there is live work.
pub fn recent(cast: &Cast, rng: &mut StdRng, now: DateTime<Utc>, count: usize) -> Vec<Plan> {
    let categories = [
        "sewer_overflow",
        "stairwell_light",
        "elder_care",
        "plumbing",
        "wall_hazard",
        "errands",
        "electrical",
        "sanitation",
        "appliance",
        "greening",
    ];
    (0..count)
        .map(|i| {
            let category = categories[i % categories.len()];
            let place = cast.entrances[rng.gen_range(0..cast.entrances.len())].clone();
            // Spread over the last ten days; the first one is overdue.
            let hours_ago = if i == 0 {
                24 * 9
            } else {
                rng.gen_range(2..24 * 6)
            };
            let reported =
                now - Duration::hours(hours_ago) - Duration::minutes(rng.gen_range(0..50));
            let draft = draft(cast, category, place, reported, rng);
            let mut plan = Plan {
                creator: creator(draft.channel),
                draft,
                steps: Vec::new(),
            };
            let volunteers = cast.fitting(category);
            let v = who_is(cast, volunteers[rng.gen_range(0..volunteers.len())]);
            let mut at = reported + Duration::minutes(30);
            let stage = if i == 0 { 4 } else { i % 6 };
            if stage >= 1 {
                plan.steps.push((
                    at,
                    Who::Staff(0),
                    Action::Dispatch {
                        target: DispatchTarget::Pool,
                    },
                ));
                at += Duration::minutes(40);
            }
            if stage >= 2 {
                plan.steps.push((at, v, Action::Accept));
                at += Duration::minutes(50);
            }
            if stage >= 3 {
                plan.steps.push((at, v, Action::Start));
                at += Duration::minutes(90);
            }
            if stage == 5 {
                let (_, outcomes) = texts(category);
                let outcome = outcomes[rng.gen_range(0..outcomes.len())].to_string();
                plan.steps.push((
                    at,
                    v,
                    Action::Resolve {
                        outcome,
                        minutes: 60,
                    },
                ));
            }
            plan.steps.retain(|(step_at, _, _)| *step_at < now);
            plan
        })
        .collect()
}

fn local(day: NaiveDate, hour: u32, minute: u32) -> DateTime<Utc> {
    let naive = day.and_hms_opt(hour, minute, 0).expect("valid time");
    local_zone()
        .from_local_datetime(&naive)
        .single()
        .expect("fixed offset")
        .with_timezone(&Utc)
}

fn creator(channel: Channel) -> Who {
    if channel == Channel::GridPatrol {
        Who::Grid
    } else {
        Who::Staff(0)
    }
}

fn draft(
    cast: &Cast,
    category: &str,
    place: (String, String),
    reported: DateTime<Utc>,
    rng: &mut StdRng,
) -> RequestDraft {
    let (descriptions, _) = texts(category);
    let found_on_patrol = matches!(
        category,
        "wall_hazard" | "stairwell_light" | "sanitation" | "greening"
    );
    let channel = match rng.gen_range(0..100) {
        n if found_on_patrol && n < 55 => Channel::GridPatrol,
        n if n < 15 => Channel::GridPatrol,
        n if n < 70 => Channel::Phone,
        _ => Channel::Visit,
    };
    let urgency = match (category, rng.gen_range(0..100)) {
        ("wall_hazard", n) if n < 25 => Urgency::Critical,
        ("wall_hazard" | "sewer_overflow", n) if n < 65 => Urgency::Urgent,
        ("elder_care", n) if n < 10 => Urgency::Urgent,
        _ => Urgency::Normal,
    };
    let patrol = channel == Channel::GridPatrol;
    RequestDraft {
        community: cast.slug.clone(),
        channel,
        category: CategoryCode::parse(category).expect("the demo's codes are valid"),
        urgency,
        reporter_name: if patrol {
            cast.grid_worker.display_name.clone()
        } else {
            format!(
                "{}{}",
                SURNAMES[rng.gen_range(0..SURNAMES.len())],
                TITLES[rng.gen_range(0..TITLES.len())]
            )
        },
        reporter_phone: if patrol {
            String::new()
        } else {
            format!(
                "13{}{:08}",
                rng.gen_range(0..10),
                rng.gen_range(0..100_000_000u32)
            )
        },
        building: Some(place.0),
        entrance: Some(place.1),
        room: (!patrol).then(|| format!("{}0{}", rng.gen_range(1..=6), rng.gen_range(1..=2))),
        description: descriptions[rng.gen_range(0..descriptions.len())].to_string(),
        reported_at: reported,
        photos: Vec::new(),
    }
}

fn who_is(cast: &Cast, volunteer: &Actor) -> Who {
    Who::Volunteer(
        cast.volunteers
            .iter()
            .position(|v| v.user_id.unwrap() == volunteer.user_id.unwrap())
            .unwrap_or(0),
    )
}

fn minutes(rng: &mut StdRng, low: i64, high: i64) -> Duration {
    Duration::minutes(rng.gen_range(low..=high))
}

/// How soon the office first acts: usually within the limit, sometimes not.
fn response_delay(urgency: Urgency, rng: &mut StdRng) -> Duration {
    match urgency {
        Urgency::Critical => minutes(rng, 15, 150),
        _ if rng.gen_bool(0.08) => minutes(rng, 24 * 60 + 10, 40 * 60),
        _ => minutes(rng, 10, 18 * 60),
    }
}

fn resolved_plan(cast: &Cast, draft: RequestDraft, rng: &mut StdRng) -> Plan {
    let category = draft.category.clone();
    let (_, outcomes) = texts(&category);
    let outcome = outcomes[rng.gen_range(0..outcomes.len())].to_string();
    let staff = Who::Staff(rng.gen_range(0..cast.staff.len()));
    let mut plan = Plan {
        creator: creator(draft.channel),
        steps: Vec::new(),
        draft,
    };
    let mut at = plan.draft.reported_at + response_delay(plan.draft.urgency, rng);
    let fitting = cast.fitting(&category);
    let pick = |rng: &mut StdRng| who_is(cast, fitting[rng.gen_range(0..fitting.len())]);
    let hours = Duration::minutes(30 * rng.gen_range(1..=8));
    let route = rng.gen_range(0..100);
    let resolver = if category == "consultation" && route < 60 {
        // Answered by the office on the spot.
        staff
    } else if category == "wall_hazard" && route < 20 {
        // Referred to a partner, who does the work; the office records it.
        let name = PARTNERS[rng.gen_range(0..PARTNERS.len())].to_string();
        plan.steps.push((
            at,
            staff,
            Action::Dispatch {
                target: DispatchTarget::Partner { name },
            },
        ));
        at += minutes(rng, 60, 600);
        plan.steps.push((at, staff, Action::Accept));
        staff
    } else {
        let v = pick(rng);
        if route < 35 {
            plan.steps.push((
                at,
                staff,
                Action::Dispatch {
                    target: DispatchTarget::Pool,
                },
            ));
        } else {
            if route < 42 {
                // The first volunteer asked cannot go; the office sends another.
                let first = pick(rng);
                let target = target(cast, first);
                plan.steps.push((at, staff, Action::Dispatch { target }));
                at += minutes(rng, 20, 120);
                let reason = DECLINE_REASONS[rng.gen_range(0..DECLINE_REASONS.len())].to_string();
                plan.steps.push((at, first, Action::Decline { reason }));
                at += minutes(rng, 10, 60);
            }
            plan.steps.push((
                at,
                staff,
                Action::Dispatch {
                    target: target(cast, v),
                },
            ));
        }
        at += minutes(rng, 10, 180);
        plan.steps.push((at, v, Action::Accept));
        at += minutes(rng, 30, 20 * 60);
        if rng.gen_bool(0.08) {
            at += Duration::days(rng.gen_range(3..9)); // waiting for parts or access
        }
        plan.steps.push((at, v, Action::Start));
        v
    };
    at += minutes(rng, 40, 6 * 60);
    let minutes_spent = if matches!(resolver, Who::Volunteer(_)) {
        hours.num_minutes() as u32
    } else {
        0
    };
    plan.steps.push((
        at,
        resolver,
        Action::Resolve {
            outcome,
            minutes: minutes_spent,
        },
    ));
    if rng.gen_bool(0.8) {
        at += minutes(rng, 20 * 60, 3 * 24 * 60);
        let satisfaction = match rng.gen_range(0..100) {
            0..=84 => Satisfaction::Satisfied,
            85..=96 => Satisfaction::Basic,
            _ => Satisfaction::Unsatisfied,
        };
        let note = match satisfaction {
            Satisfaction::Satisfied => "电话回访，居民表示满意",
            Satisfaction::Basic => "电话回访，居民基本满意",
            Satisfaction::Unsatisfied => "居民认为处理不够彻底，已记录",
        };
        plan.steps.push((
            at,
            staff,
            Action::Review {
                satisfaction,
                note: note.into(),
            },
        ));
    }
    plan
}

fn long_term_plan(cast: &Cast, draft: RequestDraft, rng: &mut StdRng) -> Plan {
    let staff = Who::Staff(0);
    let mut plan = Plan {
        creator: creator(draft.channel),
        steps: Vec::new(),
        draft,
    };
    let mut at = plan.draft.reported_at + response_delay(plan.draft.urgency, rng);
    let fitting = cast.fitting(&plan.draft.category);
    if rng.gen_bool(0.5) && !fitting.is_empty() {
        let v = who_is(cast, fitting[rng.gen_range(0..fitting.len())]);
        plan.steps.push((
            at,
            staff,
            Action::Dispatch {
                target: target(cast, v),
            },
        ));
        at += minutes(rng, 30, 240);
        plan.steps.push((at, v, Action::Accept));
        at += minutes(rng, 60, 24 * 60);
        plan.steps.push((
            at,
            v,
            Action::Note {
                text: "已上门查看，问题较复杂，需要社区协调".into(),
            },
        ));
        at += minutes(rng, 60, 12 * 60);
    }
    let note = LONG_TERM_NOTES[rng.gen_range(0..LONG_TERM_NOTES.len())].to_string();
    let next_at = at + Duration::days(rng.gen_range(20..45));
    plan.steps
        .push((at, staff, Action::FollowUp { note, next_at }));
    plan
}

fn target(cast: &Cast, who: Who) -> DispatchTarget {
    match who {
        Who::Volunteer(i) => DispatchTarget::Volunteer {
            id: cast.volunteers[i]
                .user_id
                .expect("the demo's volunteers have accounts"),
            name: cast.volunteers[i].display_name.clone(),
        },
        _ => DispatchTarget::Pool,
    }
}

/// Plays the plans through the store in time order: creation first, then every step as
/// it happened, so the ledger reads as the days went.
pub async fn play(store: &dyn Store, cast: &Cast, plans: Vec<Plan>) -> anyhow::Result<usize> {
    enum Step {
        Create,
        Act(usize),
    }
    let mut timeline: Vec<(DateTime<Utc>, usize, Step)> = Vec::new();
    for (i, plan) in plans.iter().enumerate() {
        timeline.push((
            plan.draft.reported_at + Duration::minutes(2),
            i,
            Step::Create,
        ));
        for (j, (at, _, _)) in plan.steps.iter().enumerate() {
            timeline.push((*at, i, Step::Act(j)));
        }
    }
    timeline.sort_by_key(|(at, i, step)| (*at, *i, matches!(step, Step::Act(_))));
    let actor = |who: Who| -> &Actor {
        match who {
            Who::Staff(i) => &cast.staff[i],
            Who::Grid => &cast.grid_worker,
            Who::Volunteer(i) => &cast.volunteers[i],
        }
    };
    // Each plan's request, once created (plans are played in time order).
    let mut ids: Vec<Option<RequestId>> = vec![None; plans.len()];
    for (at, i, step) in timeline {
        let plan = &plans[i];
        match step {
            Step::Create => {
                let record = store
                    .create_request(actor(plan.creator), plan.draft.clone(), None, at)
                    .await?;
                ids[i] = Some(record.id);
            }
            Step::Act(j) => {
                let (_, who, action) = &plan.steps[j];
                let id = ids[i].context("a step is played before its request is created")?;
                store.apply(actor(*who), id, action.clone(), at).await?;
            }
        }
    }
    Ok(plans.len())
}
