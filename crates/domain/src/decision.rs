//! The domain decides, once: given who acts, the request's facts and current projection,
//! the action and the time, [`decide`] either returns everything the store must write
//! (the new projection, the event, any change to the volunteer's hours) or says why not.
//! The store calls it once inside its transaction and persists only what it returns.

use crate::access::{AccessError, Actor, RequestFacts};
use crate::event::EventKind;
use crate::lifecycle::{Action, ActionKind, LifecycleError, Status};
use crate::projection::Projection;
use crate::time::to_ms;
use crate::volunteer::HoursSource;
use chrono::{DateTime, Utc};

/// Why an action is refused, from the caller's point of view.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The actor may not see the request at all: answered as "not found", so nothing about
    /// it leaks (not even its state).
    #[error("not found")]
    NotVisible,
    /// The actor's role may not do this (ever, or to this request: not theirs, no skill).
    #[error("{0}")]
    Forbidden(String),
    /// The lifecycle does not allow the action in the request's state.
    #[error(transparent)]
    NotAllowed(#[from] LifecycleError),
}

/// A change to a volunteer's service hours that goes with the event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HoursChange {
    pub volunteer_id: crate::ids::UserId,
    /// Minutes credited (negative: taken back).
    pub minutes: i64,
    pub source: HoursSource,
}

/// Everything the store writes for an allowed action.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// The request's projection after the action.
    pub next: Projection,
    /// The ledger event's kind (`accepted`, `resolved`, ...).
    pub event_kind: EventKind,
    /// The ledger event's data: the action itself.
    pub event_data: serde_json::Value,
    /// Hours to credit or take back, if any.
    pub hours: Option<HoursChange>,
}

/// Whether `actor` is told anything at all about an action of `kind` on this request: they
/// may see it, or they are claiming one that someone else has just taken (the loser of a
/// race hears it was accepted). Everyone else gets "not found", whatever the body they sent,
/// so no answer tells them that the request exists. (A role that may never take the action
/// is told so first, whatever the request: that says nothing about it.)
pub fn answers_to(actor: &Actor, facts: &RequestFacts, kind: ActionKind) -> bool {
    let lost_a_claim =
        kind == ActionKind::Accept && matches!(facts.status, Status::Accepted | Status::InProgress);
    actor.covers(&facts.path) && (actor.can_see(facts).is_ok() || lost_a_claim)
}

/// Decides whether `actor` may take `action` on a request with these facts and this
/// projection at `at`, in this order:
/// 1. outside the actor's scope → [`Refusal::NotVisible`];
/// 2. a role that may never take the action → [`Refusal::Forbidden`];
/// 3. a request the actor may not see (a volunteer's, not theirs and not in the pool) →
///    [`Refusal::NotVisible`], except a claim that lost the race for a pooled request,
///    which hears that it was accepted;
/// 4. a state the lifecycle does not allow the action from → [`Refusal::NotAllowed`],
///    with the state and the allowed actions;
/// 5. a volunteer acting on a request that is not theirs, or claiming without the skill
///    → [`Refusal::Forbidden`].
pub fn decide(
    actor: &Actor,
    facts: &RequestFacts,
    current: &Projection,
    action: &Action,
    at: DateTime<Utc>,
) -> Result<Decision, Refusal> {
    if !actor.covers(&facts.path) {
        return Err(Refusal::NotVisible);
    }
    let kind = action.kind();
    if !actor.role_may(kind) {
        return Err(Refusal::Forbidden(format!(
            "a {} cannot {} requests",
            actor.role.as_str(),
            kind.as_str()
        )));
    }
    if !answers_to(actor, facts, kind) {
        return Err(Refusal::NotVisible);
    }
    let mut next = current.clone();
    next.apply(action, actor.user_id, to_ms(at))?;
    actor.authorize(kind, facts).map_err(|e| match e {
        AccessError::OutOfScope => Refusal::NotVisible,
        AccessError::Forbidden(message) => Refusal::Forbidden(message),
    })?;
    let hours = match action {
        Action::Resolve { .. } => next
            .assignee_id
            .zip(next.service_minutes)
            .filter(|(_, minutes)| *minutes > 0)
            .map(|(volunteer_id, minutes)| HoursChange {
                volunteer_id,
                minutes,
                source: HoursSource::Job,
            }),
        Action::Reopen { .. } => current
            .assignee_id
            .zip(current.service_minutes)
            .filter(|(_, minutes)| *minutes > 0)
            .map(|(volunteer_id, minutes)| HoursChange {
                volunteer_id,
                minutes: -minutes,
                source: HoursSource::Reversal,
            }),
        _ => None,
    };
    Ok(Decision {
        next,
        event_kind: action.event_kind(),
        event_data: serde_json::to_value(action).expect("actions serialise"),
        hours,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::{CommunityPath, Role, Scope};
    use crate::ids::{PlaceId, UserId};
    use crate::lifecycle::{ActionKind, CloseReason, DispatchTarget, Satisfaction};

    const COMMUNITY: PlaceId = PlaceId::new(30);
    const ME: UserId = UserId::new(7);
    const SOMEONE_ELSE: UserId = UserId::new(8);

    fn at() -> DateTime<Utc> {
        crate::time::parse_instant("2024-07-03 10:00").unwrap()
    }

    fn actor(role: Role, scope: Option<PlaceId>, skills: &[&str]) -> Actor {
        Actor {
            user_id: Some(ME),
            username: "me".into(),
            display_name: "我".into(),
            role,
            scope: scope.map_or(Scope::Everywhere, Scope::Within),
            skills: skills.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn sample(kind: ActionKind) -> Action {
        match kind {
            ActionKind::Dispatch => Action::Dispatch {
                target: DispatchTarget::Pool,
            },
            ActionKind::Accept => Action::Accept,
            ActionKind::Decline => Action::Decline {
                reason: "忙".into(),
            },
            ActionKind::Start => Action::Start,
            ActionKind::Resolve => Action::Resolve {
                outcome: "好了".into(),
                minutes: 90,
            },
            ActionKind::FollowUp => Action::FollowUp {
                note: "等".into(),
                next_at: at(),
            },
            ActionKind::Review => Action::Review {
                satisfaction: Satisfaction::Satisfied,
                note: "满意".into(),
            },
            ActionKind::Reopen => Action::Reopen {
                reason: "又坏了".into(),
            },
            ActionKind::Close => Action::Close {
                reason: CloseReason::Withdrawn,
                duplicate_of: None,
                note: "撤回".into(),
            },
            ActionKind::Note => Action::Note { text: "记".into() },
        }
    }

    fn request(status: Status, assignee: Option<UserId>) -> (RequestFacts, Projection) {
        let facts = RequestFacts {
            path: CommunityPath {
                district_id: PlaceId::new(10),
                subdistrict_id: PlaceId::new(20),
                community_id: COMMUNITY,
            },
            status,
            category: crate::category::CategoryCode::parse("sewer_overflow").unwrap(),
            assignee_id: assignee,
        };
        let projection = Projection {
            status,
            assignee_id: assignee,
            service_minutes: assignee.map(|_| 60),
            ..Projection::submitted()
        };
        (facts, projection)
    }

    /// Who acts, and how they stand to the request.
    struct Case {
        name: &'static str,
        actor: Actor,
        assignee: Option<UserId>,
    }

    fn cases() -> Vec<Case> {
        vec![
            Case {
                name: "staff",
                actor: actor(Role::Staff, Some(COMMUNITY), &[]),
                assignee: Some(SOMEONE_ELSE),
            },
            Case {
                name: "admin",
                actor: actor(Role::Admin, None, &[]),
                assignee: None,
            },
            Case {
                name: "staff elsewhere",
                actor: actor(Role::Staff, Some(PlaceId::new(31)), &[]),
                assignee: None,
            },
            Case {
                name: "supervisor",
                actor: actor(Role::Supervisor, Some(PlaceId::new(20)), &[]),
                assignee: None,
            },
            Case {
                name: "grid worker",
                actor: actor(Role::GridWorker, Some(COMMUNITY), &[]),
                assignee: None,
            },
            Case {
                name: "resident",
                actor: Actor::resident(COMMUNITY),
                assignee: None,
            },
            Case {
                name: "assigned volunteer",
                actor: actor(Role::Volunteer, Some(COMMUNITY), &["plumbing"]),
                assignee: Some(ME),
            },
            Case {
                name: "other volunteer, skilled",
                actor: actor(Role::Volunteer, Some(COMMUNITY), &["general"]),
                assignee: Some(SOMEONE_ELSE),
            },
            Case {
                name: "volunteer without the skill",
                actor: actor(Role::Volunteer, Some(COMMUNITY), &["errands"]),
                assignee: None,
            },
        ]
    }

    /// Every role × state × action: the outcome follows the rules in [`decide`]'s order,
    /// and an allowed action's projection and event are the lifecycle's.
    #[test]
    fn every_role_state_and_action() {
        let mut allowed = 0;
        for case in cases() {
            for status in Status::ALL {
                // Pooled and submitted requests have no assignee.
                let assignee = match status {
                    Status::Submitted | Status::Pooled => None,
                    _ => case.assignee,
                };
                let (facts, projection) = request(status, assignee);
                for kind in ActionKind::ALL {
                    let action = sample(kind);
                    let who = format!("{} {kind:?} in {status}", case.name);
                    let got = decide(&case.actor, &facts, &projection, &action, at());
                    let a = &case.actor;
                    let expected_visible = a.covers(&facts.path) && (a.can_see(&facts).is_ok());
                    match &got {
                        Ok(decision) => {
                            allowed += 1;
                            assert!(a.role_may(kind), "{who}");
                            assert!(expected_visible, "{who}: acted on what it cannot see");
                            assert!(kind.allowed_from(status), "{who}");
                            assert_eq!(
                                decision.next.status,
                                action.next_state(status).unwrap(),
                                "{who}"
                            );
                            assert_eq!(decision.event_kind, action.event_kind(), "{who}");
                            assert_eq!(decision.event_data["action"], kind_tag(kind), "{who}");
                        }
                        Err(Refusal::NotVisible) => {
                            assert!(!expected_visible || !a.covers(&facts.path), "{who}");
                        }
                        Err(Refusal::Forbidden(_)) => {
                            assert!(a.covers(&facts.path), "{who}: 403 outside scope");
                        }
                        Err(Refusal::NotAllowed(_)) => {
                            assert!(!kind.allowed_from(status), "{who}");
                            assert!(a.role_may(kind), "{who}");
                            // A 409 names the state: only to who may see the request, or
                            // to a claim that lost its race.
                            assert!(
                                expected_visible
                                    || (kind == ActionKind::Accept
                                        && matches!(status, Status::Accepted | Status::InProgress)),
                                "{who}: a 409 leaks the state"
                            );
                        }
                    }
                    // The office may do all that the lifecycle allows, and is refused only by it.
                    if matches!(case.name, "staff" | "admin") {
                        assert_eq!(got.is_ok(), kind.allowed_from(status), "{who}");
                    }
                    // Outside the scope: always not found, whatever the action or state.
                    if case.name == "staff elsewhere" {
                        assert_eq!(got, Err(Refusal::NotVisible), "{who}");
                    }
                    // Residents only rate resolved requests; supervisors and grid workers only
                    // add notes.
                    if case.name == "resident" && got.is_ok() {
                        assert_eq!((kind, status), (ActionKind::Review, Status::Resolved));
                    }
                    if matches!(case.name, "supervisor" | "grid worker") && got.is_ok() {
                        assert_eq!(kind, ActionKind::Note, "{who}");
                    }
                    if case.name == "volunteer without the skill" && kind == ActionKind::Accept {
                        assert!(got.is_err(), "{who}");
                    }
                }
            }
        }
        assert!(allowed > 60, "only {allowed} allowed combinations");
    }

    fn kind_tag(kind: ActionKind) -> &'static str {
        match kind {
            ActionKind::FollowUp => "follow_up",
            ActionKind::Note => "note",
            other => other.as_str(),
        }
    }

    #[test]
    fn hours_move_with_resolve_and_reopen() {
        let volunteer = actor(Role::Volunteer, Some(COMMUNITY), &["plumbing"]);
        let (facts, projection) = request(Status::InProgress, Some(ME));
        let resolved = decide(
            &volunteer,
            &facts,
            &projection,
            &sample(ActionKind::Resolve),
            at(),
        )
        .unwrap();
        assert_eq!(
            resolved.hours,
            Some(HoursChange {
                volunteer_id: ME,
                minutes: 90,
                source: HoursSource::Job
            })
        );
        let staff = actor(Role::Staff, Some(COMMUNITY), &[]);
        let (facts, _) = request(Status::Resolved, Some(ME));
        let reopened = decide(
            &staff,
            &facts,
            &resolved.next,
            &sample(ActionKind::Reopen),
            at(),
        )
        .unwrap();
        assert_eq!(
            reopened.hours,
            Some(HoursChange {
                volunteer_id: ME,
                minutes: -90,
                source: HoursSource::Reversal
            })
        );
        let noted = decide(
            &staff,
            &facts,
            &resolved.next,
            &sample(ActionKind::Note),
            at(),
        )
        .unwrap();
        assert_eq!(noted.hours, None);
    }

    #[test]
    fn a_lost_claim_hears_it_was_accepted_and_nothing_else() {
        let other = actor(Role::Volunteer, Some(COMMUNITY), &["general"]);
        let (facts, projection) = request(Status::Accepted, Some(SOMEONE_ELSE));
        match decide(&other, &facts, &projection, &Action::Accept, at()) {
            Err(Refusal::NotAllowed(LifecycleError::NotAllowed { state, .. })) => {
                assert_eq!(state, Status::Accepted)
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            decide(&other, &facts, &projection, &Action::Start, at()),
            Err(Refusal::NotVisible)
        );
        let (facts, projection) = request(Status::Resolved, Some(SOMEONE_ELSE));
        assert_eq!(
            decide(&other, &facts, &projection, &Action::Accept, at()),
            Err(Refusal::NotVisible)
        );
    }
}
