//! The request lifecycle: states, actions and the one table that says which action is
//! allowed in which state. Everything else (the API's 409 answers, the pages' buttons) is
//! derived from [`allowed_actions`].

use crate::event::EventKind;
use crate::ids::UserId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Status {
    Submitted,
    Pooled,
    Dispatched,
    Accepted,
    InProgress,
    LongTerm,
    Resolved,
    Reviewed,
    Closed,
}

impl Status {
    pub const ALL: [Status; 9] = [
        Status::Submitted,
        Status::Pooled,
        Status::Dispatched,
        Status::Accepted,
        Status::InProgress,
        Status::LongTerm,
        Status::Resolved,
        Status::Reviewed,
        Status::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Submitted => "submitted",
            Status::Pooled => "pooled",
            Status::Dispatched => "dispatched",
            Status::Accepted => "accepted",
            Status::InProgress => "in_progress",
            Status::LongTerm => "long_term",
            Status::Resolved => "resolved",
            Status::Reviewed => "reviewed",
            Status::Closed => "closed",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Status::Submitted => "待派单",
            Status::Pooled => "待接单",
            Status::Dispatched => "已派单",
            Status::Accepted => "已接单",
            Status::InProgress => "处置中",
            Status::LongTerm => "长期跟进",
            Status::Resolved => "已办结",
            Status::Reviewed => "已回访",
            Status::Closed => "已关闭",
        }
    }

    pub fn parse(text: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Work still waiting on someone: counts as "open" and can become overdue.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            Status::Submitted
                | Status::Pooled
                | Status::Dispatched
                | Status::Accepted
                | Status::InProgress
        )
    }

    /// Resolved, whether or not the call-back has happened yet.
    pub fn is_resolved(self) -> bool {
        matches!(self, Status::Resolved | Status::Reviewed)
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The names of the actions, as they appear in URLs (`POST /requests/{id}/follow-up`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ActionKind {
    #[serde(rename = "dispatch")]
    Dispatch,
    #[serde(rename = "accept")]
    Accept,
    #[serde(rename = "decline")]
    Decline,
    #[serde(rename = "start")]
    Start,
    #[serde(rename = "resolve")]
    Resolve,
    #[serde(rename = "follow-up")]
    FollowUp,
    #[serde(rename = "review")]
    Review,
    #[serde(rename = "reopen")]
    Reopen,
    #[serde(rename = "close")]
    Close,
    #[serde(rename = "notes")]
    Note,
}

use Status::*;

/// The lifecycle table of docs/DESIGN.md: for each action, the states it may be taken from.
const FROM_STATES: &[(ActionKind, &[Status])] = &[
    (
        ActionKind::Dispatch,
        &[Submitted, Pooled, Dispatched, LongTerm],
    ),
    (ActionKind::Accept, &[Pooled, Dispatched]),
    (ActionKind::Decline, &[Dispatched, Accepted, InProgress]),
    (ActionKind::Start, &[Accepted]),
    (
        ActionKind::Resolve,
        &[Submitted, Accepted, InProgress, LongTerm],
    ),
    (
        ActionKind::FollowUp,
        &[Submitted, Accepted, InProgress, LongTerm],
    ),
    (ActionKind::Review, &[Resolved]),
    (ActionKind::Reopen, &[Resolved, Reviewed]),
    (
        ActionKind::Close,
        &[
            Submitted, Pooled, Dispatched, Accepted, InProgress, LongTerm,
        ],
    ),
    (ActionKind::Note, &Status::ALL),
];

impl ActionKind {
    pub const ALL: [ActionKind; 10] = [
        ActionKind::Dispatch,
        ActionKind::Accept,
        ActionKind::Decline,
        ActionKind::Start,
        ActionKind::Resolve,
        ActionKind::FollowUp,
        ActionKind::Review,
        ActionKind::Reopen,
        ActionKind::Close,
        ActionKind::Note,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::Dispatch => "dispatch",
            ActionKind::Accept => "accept",
            ActionKind::Decline => "decline",
            ActionKind::Start => "start",
            ActionKind::Resolve => "resolve",
            ActionKind::FollowUp => "follow-up",
            ActionKind::Review => "review",
            ActionKind::Reopen => "reopen",
            ActionKind::Close => "close",
            ActionKind::Note => "notes",
        }
    }

    pub fn parse(text: &str) -> Option<ActionKind> {
        ActionKind::ALL.into_iter().find(|a| a.as_str() == text)
    }

    pub fn allowed_from(self, state: Status) -> bool {
        FROM_STATES
            .iter()
            .any(|(kind, states)| *kind == self && states.contains(&state))
    }
}

/// Every action that may be taken in `state`, in a stable order.
pub fn allowed_actions(state: Status) -> Vec<ActionKind> {
    ActionKind::ALL
        .into_iter()
        .filter(|a| a.allowed_from(state))
        .collect()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "to", rename_all = "snake_case")]
pub enum DispatchTarget {
    /// A volunteer, by user id.
    Volunteer { id: UserId, name: String },
    /// A partner organisation (property company, water utility...), by name.
    Partner { name: String },
    /// The open pool: any volunteer with a fitting skill may claim it.
    Pool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Satisfaction {
    Satisfied,
    Basic,
    Unsatisfied,
}

impl Satisfaction {
    pub fn parse(text: &str) -> Option<Satisfaction> {
        match text {
            "satisfied" => Some(Satisfaction::Satisfied),
            "basic" | "basically" => Some(Satisfaction::Basic),
            "unsatisfied" => Some(Satisfaction::Unsatisfied),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Satisfaction::Satisfied => "satisfied",
            Satisfaction::Basic => "basic",
            Satisfaction::Unsatisfied => "unsatisfied",
        }
    }

    /// The rating as the office's ledger writes it.
    pub fn zh(self) -> &'static str {
        match self {
            Satisfaction::Satisfied => "满意",
            Satisfaction::Basic => "基本满意",
            Satisfaction::Unsatisfied => "不满意",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum CloseReason {
    Duplicate,
    Withdrawn,
    OutOfRemit,
}

impl CloseReason {
    pub fn parse(text: &str) -> Option<CloseReason> {
        match text {
            "duplicate" => Some(CloseReason::Duplicate),
            "withdrawn" => Some(CloseReason::Withdrawn),
            "out_of_remit" => Some(CloseReason::OutOfRemit),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CloseReason::Duplicate => "duplicate",
            CloseReason::Withdrawn => "withdrawn",
            CloseReason::OutOfRemit => "out_of_remit",
        }
    }
}

/// An action with its validated data. Serialised as the ledger event's `data`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    Dispatch {
        target: DispatchTarget,
    },
    Accept,
    Decline {
        reason: String,
    },
    Start,
    Resolve {
        outcome: String,
        minutes: u32,
    },
    FollowUp {
        note: String,
        next_at: DateTime<Utc>,
    },
    Review {
        satisfaction: Satisfaction,
        note: String,
    },
    Reopen {
        reason: String,
    },
    Close {
        reason: CloseReason,
        duplicate_of: Option<String>,
        note: String,
    },
    Note {
        text: String,
    },
}

impl Action {
    pub fn kind(&self) -> ActionKind {
        match self {
            Action::Dispatch { .. } => ActionKind::Dispatch,
            Action::Accept => ActionKind::Accept,
            Action::Decline { .. } => ActionKind::Decline,
            Action::Start => ActionKind::Start,
            Action::Resolve { .. } => ActionKind::Resolve,
            Action::FollowUp { .. } => ActionKind::FollowUp,
            Action::Review { .. } => ActionKind::Review,
            Action::Reopen { .. } => ActionKind::Reopen,
            Action::Close { .. } => ActionKind::Close,
            Action::Note { .. } => ActionKind::Note,
        }
    }

    /// The ledger's name for the event this action records.
    pub fn event_kind(&self) -> EventKind {
        match self {
            Action::Dispatch {
                target: DispatchTarget::Pool,
            } => EventKind::Pooled,
            Action::Dispatch { .. } => EventKind::Dispatched,
            Action::Accept => EventKind::Accepted,
            Action::Decline { .. } => EventKind::Declined,
            Action::Start => EventKind::Started,
            Action::Resolve { .. } => EventKind::Resolved,
            Action::FollowUp { .. } => EventKind::FollowedUp,
            Action::Review { .. } => EventKind::Reviewed,
            Action::Reopen { .. } => EventKind::Reopened,
            Action::Close { .. } => EventKind::Closed,
            Action::Note { .. } => EventKind::Noted,
        }
    }

    /// The state after this action, if it is allowed in `state`.
    pub fn next_state(&self, state: Status) -> Result<Status, LifecycleError> {
        let kind = self.kind();
        if !kind.allowed_from(state) {
            return Err(LifecycleError::NotAllowed {
                state,
                action: kind,
                allowed: allowed_actions(state),
            });
        }
        Ok(match self {
            Action::Dispatch {
                target: DispatchTarget::Pool,
            } => Pooled,
            Action::Dispatch { .. } => Dispatched,
            Action::Accept => Accepted,
            Action::Decline { .. } | Action::Reopen { .. } => Submitted,
            Action::Start => InProgress,
            Action::Resolve { .. } => Resolved,
            Action::FollowUp { .. } => LongTerm,
            Action::Review { .. } => Reviewed,
            Action::Close { .. } => Closed,
            Action::Note { .. } => state,
        })
    }

    /// Whether this action counts as the community acting on the request, for the
    /// response rate (响应率).
    pub fn is_response(&self) -> bool {
        !matches!(
            self,
            Action::Note { .. } | Action::Review { .. } | Action::Reopen { .. }
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LifecycleError {
    #[error("cannot {} a request that is {state}; allowed: {}", action.as_str(), list(allowed))]
    NotAllowed {
        state: Status,
        action: ActionKind,
        allowed: Vec<ActionKind>,
    },
}

fn list(actions: &[ActionKind]) -> String {
    let names: Vec<&str> = actions.iter().map(|a| a.as_str()).collect();
    names.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn sample(kind: ActionKind) -> Vec<Action> {
        match kind {
            ActionKind::Dispatch => vec![
                Action::Dispatch {
                    target: DispatchTarget::Pool,
                },
                Action::Dispatch {
                    target: DispatchTarget::Volunteer {
                        id: UserId::new(7),
                        name: "王芳".into(),
                    },
                },
                Action::Dispatch {
                    target: DispatchTarget::Partner {
                        name: "物业".into(),
                    },
                },
            ],
            ActionKind::Accept => vec![Action::Accept],
            ActionKind::Decline => vec![Action::Decline {
                reason: "不在家".into(),
            }],
            ActionKind::Start => vec![Action::Start],
            ActionKind::Resolve => {
                vec![Action::Resolve {
                    outcome: "已疏通".into(),
                    minutes: 90,
                }]
            }
            ActionKind::FollowUp => vec![Action::FollowUp {
                note: "等待维修资金".into(),
                next_at: Utc.with_ymd_and_hms(2024, 8, 1, 0, 0, 0).unwrap(),
            }],
            ActionKind::Review => vec![Action::Review {
                satisfaction: Satisfaction::Satisfied,
                note: String::new(),
            }],
            ActionKind::Reopen => vec![Action::Reopen {
                reason: "又堵了".into(),
            }],
            ActionKind::Close => vec![Action::Close {
                reason: CloseReason::Withdrawn,
                duplicate_of: None,
                note: String::new(),
            }],
            ActionKind::Note => vec![Action::Note {
                text: "已电话联系".into(),
            }],
        }
    }

    /// The lifecycle of docs/DESIGN.md written out as (from, action, to), one line per allowed
    /// transition. Everything not listed must be refused.
    const EXPECTED: &[(Status, &str, Status)] = &[
        (Submitted, "pool", Pooled),
        (Submitted, "volunteer", Dispatched),
        (Submitted, "partner", Dispatched),
        (Submitted, "resolve", Resolved),
        (Submitted, "follow-up", LongTerm),
        (Submitted, "close", Closed),
        (Pooled, "pool", Pooled),
        (Pooled, "volunteer", Dispatched),
        (Pooled, "partner", Dispatched),
        (Pooled, "accept", Accepted),
        (Pooled, "close", Closed),
        (Dispatched, "pool", Pooled),
        (Dispatched, "volunteer", Dispatched),
        (Dispatched, "partner", Dispatched),
        (Dispatched, "accept", Accepted),
        (Dispatched, "decline", Submitted),
        (Dispatched, "close", Closed),
        (Accepted, "start", InProgress),
        (Accepted, "resolve", Resolved),
        (Accepted, "decline", Submitted),
        (Accepted, "follow-up", LongTerm),
        (Accepted, "close", Closed),
        (InProgress, "resolve", Resolved),
        (InProgress, "decline", Submitted),
        (InProgress, "follow-up", LongTerm),
        (InProgress, "close", Closed),
        (LongTerm, "follow-up", LongTerm),
        (LongTerm, "resolve", Resolved),
        (LongTerm, "pool", Pooled),
        (LongTerm, "volunteer", Dispatched),
        (LongTerm, "partner", Dispatched),
        (LongTerm, "close", Closed),
        (Resolved, "review", Reviewed),
        (Resolved, "reopen", Submitted),
        (Reviewed, "reopen", Submitted),
    ];

    fn label(action: &Action) -> &'static str {
        match action {
            Action::Dispatch {
                target: DispatchTarget::Pool,
            } => "pool",
            Action::Dispatch {
                target: DispatchTarget::Volunteer { .. },
            } => "volunteer",
            Action::Dispatch {
                target: DispatchTarget::Partner { .. },
            } => "partner",
            other => other.kind().as_str(),
        }
    }

    #[test]
    fn every_transition_is_allowed_or_refused_as_designed() {
        let mut allowed_seen = 0;
        for state in Status::ALL {
            for kind in ActionKind::ALL {
                for action in sample(kind) {
                    let result = action.next_state(state);
                    if kind == ActionKind::Note {
                        assert_eq!(result, Ok(state), "a note never changes the state");
                        continue;
                    }
                    let expected = EXPECTED
                        .iter()
                        .find(|(from, name, _)| *from == state && *name == label(&action));
                    match (expected, result) {
                        (Some((_, _, to)), Ok(got)) => {
                            assert_eq!(got, *to, "{state} --{}-->", label(&action));
                            allowed_seen += 1;
                        }
                        (
                            None,
                            Err(LifecycleError::NotAllowed {
                                state: s,
                                action: a,
                                allowed,
                            }),
                        ) => {
                            assert_eq!(s, state);
                            assert_eq!(a, kind);
                            assert!(!allowed.contains(&kind));
                            assert_eq!(allowed, allowed_actions(state));
                        }
                        (expected, got) => panic!(
                            "{state} --{}--> expected {expected:?}, got {got:?}",
                            label(&action)
                        ),
                    }
                }
            }
        }
        assert_eq!(allowed_seen, EXPECTED.len());
    }

    #[test]
    fn closed_allows_only_notes() {
        assert_eq!(allowed_actions(Closed), vec![ActionKind::Note]);
    }

    #[test]
    fn refusal_names_state_and_allowed_actions() {
        let err = Action::Start.next_state(Submitted).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("cannot start a request that is submitted"),
            "{text}"
        );
        assert!(
            text.contains("dispatch, resolve, follow-up, close, notes"),
            "{text}"
        );
    }

    #[test]
    fn names_round_trip() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
        for a in ActionKind::ALL {
            assert_eq!(ActionKind::parse(a.as_str()), Some(a));
        }
        assert_eq!(Status::parse("done"), None);
    }
}
