//! The current state of a request, derived from its events. The store keeps this in a
//! table for fast queries and writes it in the same transaction as the event; this module
//! says how one event changes it, so replaying the ledger gives the same table.

use crate::ids::UserId;
use crate::lifecycle::{Action, CloseReason, DispatchTarget, LifecycleError, Satisfaction, Status};
use crate::time::to_ms;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Projection {
    pub status: Status,
    pub assignee_id: Option<UserId>,
    pub partner: Option<String>,
    pub first_response_ms: Option<i64>,
    pub resolved_ms: Option<i64>,
    pub outcome: Option<String>,
    pub service_minutes: Option<i64>,
    pub satisfaction: Option<Satisfaction>,
    pub next_follow_up_ms: Option<i64>,
    pub close_reason: Option<CloseReason>,
    pub duplicate_of: Option<String>,
}

impl Projection {
    /// A request just received.
    pub fn submitted() -> Projection {
        Projection {
            status: Status::Submitted,
            assignee_id: None,
            partner: None,
            first_response_ms: None,
            resolved_ms: None,
            outcome: None,
            service_minutes: None,
            satisfaction: None,
            next_follow_up_ms: None,
            close_reason: None,
            duplicate_of: None,
        }
    }

    /// Applies an action taken by `actor_id` at `at_ms`. Refuses, changing nothing, when
    /// the lifecycle does not allow it.
    pub fn apply(
        &mut self,
        action: &Action,
        actor_id: Option<UserId>,
        at_ms: i64,
    ) -> Result<(), LifecycleError> {
        let next = action.next_state(self.status)?;
        if action.is_response() && self.first_response_ms.is_none() {
            self.first_response_ms = Some(at_ms);
        }
        match action {
            Action::Dispatch { target } => {
                self.next_follow_up_ms = None;
                match target {
                    DispatchTarget::Volunteer { id, .. } => {
                        self.assignee_id = Some(*id);
                        self.partner = None;
                    }
                    DispatchTarget::Partner { name } => {
                        self.assignee_id = None;
                        self.partner = Some(name.clone());
                    }
                    DispatchTarget::Pool => {
                        self.assignee_id = None;
                        self.partner = None;
                    }
                }
            }
            Action::Accept => {
                // Claiming from the pool makes the claimer the assignee; accepting a
                // dispatch keeps the assignee (or partner) it was sent to.
                if self.status == Status::Pooled {
                    self.assignee_id = actor_id;
                }
            }
            Action::Decline { .. } => {
                self.assignee_id = None;
                self.partner = None;
            }
            Action::Start | Action::Note { .. } => {}
            Action::Resolve { outcome, minutes } => {
                self.resolved_ms = Some(at_ms);
                self.outcome = Some(outcome.clone());
                self.service_minutes = Some(i64::from(*minutes));
                self.next_follow_up_ms = None;
            }
            Action::FollowUp { next_at, .. } => {
                self.next_follow_up_ms = Some(to_ms(*next_at));
            }
            Action::Review { satisfaction, .. } => {
                self.satisfaction = Some(*satisfaction);
            }
            Action::Reopen { .. } => {
                self.resolved_ms = None;
                self.outcome = None;
                self.service_minutes = None;
                self.assignee_id = None;
                self.partner = None;
            }
            Action::Close {
                reason,
                duplicate_of,
                ..
            } => {
                self.close_reason = Some(*reason);
                self.duplicate_of = duplicate_of.clone();
                self.next_follow_up_ms = None;
            }
        }
        self.status = next;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pool_claim_resolve_review() {
        let mut p = Projection::submitted();
        p.apply(
            &Action::Dispatch {
                target: DispatchTarget::Pool,
            },
            Some(UserId::new(1)),
            100,
        )
        .unwrap();
        assert_eq!(p.first_response_ms, Some(100));
        p.apply(&Action::Accept, Some(UserId::new(42)), 200)
            .unwrap();
        assert_eq!(p.assignee_id, Some(UserId::new(42)));
        p.apply(&Action::Start, Some(UserId::new(42)), 300).unwrap();
        p.apply(
            &Action::Resolve {
                outcome: "修好了".into(),
                minutes: 45,
            },
            Some(UserId::new(42)),
            400,
        )
        .unwrap();
        assert_eq!(
            (p.status, p.resolved_ms, p.service_minutes),
            (Status::Resolved, Some(400), Some(45))
        );
        p.apply(
            &Action::Review {
                satisfaction: Satisfaction::Basic,
                note: String::new(),
            },
            Some(UserId::new(1)),
            500,
        )
        .unwrap();
        assert_eq!(p.satisfaction.map(Satisfaction::as_str), Some("basic"));
        assert_eq!(p.first_response_ms, Some(100), "the first response is kept");
    }

    #[test]
    fn a_refused_action_changes_nothing() {
        let mut p = Projection::submitted();
        let before = p.clone();
        assert!(p.apply(&Action::Start, Some(UserId::new(1)), 100).is_err());
        assert_eq!(p, before);
    }

    #[test]
    fn decline_returns_to_submitted_without_assignee() {
        let mut p = Projection::submitted();
        let target = DispatchTarget::Volunteer {
            id: UserId::new(7),
            name: "王芳".into(),
        };
        p.apply(&Action::Dispatch { target }, Some(UserId::new(1)), 100)
            .unwrap();
        p.apply(
            &Action::Decline {
                reason: "出差".into(),
            },
            Some(UserId::new(7)),
            200,
        )
        .unwrap();
        assert_eq!((p.status, p.assignee_id), (Status::Submitted, None));
    }
}
