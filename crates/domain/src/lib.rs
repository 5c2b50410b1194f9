//! The bangbang domain: places, requests, the lifecycle state machine, who may do what,
//! ledger hashing and the maths of the figures. Nothing in this crate does I/O.

pub mod access;
pub mod action_input;
pub mod category;
pub mod checkpoint;
pub mod decision;
pub mod event;
pub mod figures;
pub mod ids;
pub mod ledger;
pub mod lifecycle;
pub mod matching;
pub mod place;
pub mod projection;
pub mod request;
pub mod stats;
pub mod time;
pub mod validation;
pub mod volunteer;

pub use access::{AccessError, Actor, Role, Scope};
pub use event::EventKind;
pub use ids::{PlaceId, RequestId, UserId};
pub use lifecycle::{Action, ActionKind, DispatchTarget, LifecycleError, Status};
pub use request::{Channel, Urgency};
pub use validation::FieldErrors;
