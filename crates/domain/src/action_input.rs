//! Reading an action's body: whatever form it came in (a JSON object from the API, a page's
//! form fields), every field is checked and every problem reported at once, and what
//! comes out is a domain [`Action`], or a dispatch to a volunteer still to be looked up by
//! name (that takes the database, so it is the caller's to do).

use crate::lifecycle::{Action, ActionKind, CloseReason, DispatchTarget, Satisfaction};
use crate::request::MAX_NOTE;
use crate::time::parse_instant;
use crate::validation::{optional_text, required_text, Code, FieldErrors, Problem};
use chrono::{DateTime, Duration, Utc};

/// The furthest ahead a follow-up can be set: two years. Later than that is a typo.
pub const FOLLOW_UP_MAX_DAYS: i64 = 731;

/// The most hours one job can record.
pub const MAX_JOB_HOURS: f64 = 100.0;

/// Where a body's fields come from. Each getter answers `Ok(None)` for a field that is
/// absent (or null), and `Err` when it is there but of the wrong kind.
pub trait Fields {
    fn text(&self, name: &str) -> Result<Option<String>, Problem>;
    fn number(&self, name: &str) -> Result<Option<f64>, Problem>;
    fn flag(&self, name: &str) -> Result<Option<bool>, Problem>;
}

/// An action read from a body.
#[derive(Debug, Clone, PartialEq)]
pub enum ActionRequest {
    /// Ready for the domain to decide on.
    Ready(Action),
    /// A dispatch to the volunteer with this account name, once found.
    DispatchToVolunteer { username: String },
}

/// Reads the body of an action of `kind`, at `now` (for follow-up dates).
pub fn read_action(
    kind: ActionKind,
    body: &impl Fields,
    now: DateTime<Utc>,
) -> Result<ActionRequest, FieldErrors> {
    let mut e = FieldErrors::new();
    let mut reader = Reader { body, e: &mut e };
    let action = match kind {
        ActionKind::Dispatch => return reader.dispatch().map_err(|()| e),
        ActionKind::Accept => Action::Accept,
        ActionKind::Start => Action::Start,
        ActionKind::Decline => Action::Decline {
            reason: reader.required("reason"),
        },
        ActionKind::Reopen => Action::Reopen {
            reason: reader.required("reason"),
        },
        ActionKind::Note => Action::Note {
            text: reader.required("text"),
        },
        ActionKind::Resolve => {
            let outcome = reader.required("outcome");
            let hours = reader.number("hours").unwrap_or(0.0);
            if !(0.0..=MAX_JOB_HOURS).contains(&hours) {
                reader.e.add("hours", "must be between 0 and 100");
            }
            Action::Resolve {
                outcome,
                minutes: (hours * 60.0).round() as u32,
            }
        }
        ActionKind::FollowUp => {
            let note = reader.required("note");
            let next_at = reader.follow_up_date(now);
            Action::FollowUp { note, next_at }
        }
        ActionKind::Review => {
            let satisfaction = match reader.text("satisfaction") {
                None => {
                    reader.e.add(
                        "satisfaction",
                        "is required: satisfied, basic or unsatisfied",
                    );
                    Satisfaction::Satisfied
                }
                Some(text) => Satisfaction::parse(&text).unwrap_or_else(|| {
                    reader
                        .e
                        .add("satisfaction", "must be satisfied, basic or unsatisfied");
                    Satisfaction::Satisfied
                }),
            };
            let note = reader.optional("note");
            Action::Review { satisfaction, note }
        }
        ActionKind::Close => {
            let reason = match reader.text("reason") {
                None => {
                    reader.e.add(
                        "reason",
                        "is required: duplicate, withdrawn or out_of_remit",
                    );
                    CloseReason::Withdrawn
                }
                Some(text) => CloseReason::parse(&text).unwrap_or_else(|| {
                    reader
                        .e
                        .add("reason", "must be duplicate, withdrawn or out_of_remit");
                    CloseReason::Withdrawn
                }),
            };
            let duplicate_of = reader.text("duplicate_of").filter(|s| !s.trim().is_empty());
            if reason == CloseReason::Duplicate && duplicate_of.is_none() {
                reader.e.add(
                    "duplicate_of",
                    "is required: the code of the request this one duplicates",
                );
            }
            let note = reader.optional("note");
            if reason == CloseReason::OutOfRemit && note.is_empty() {
                reader
                    .e
                    .add("note", "is required: say where the request was referred");
            }
            Action::Close {
                reason,
                duplicate_of,
                note,
            }
        }
    };
    e.into_result(ActionRequest::Ready(action))
}

/// Reads fields one by one, noting each problem.
struct Reader<'a, F: Fields> {
    body: &'a F,
    e: &'a mut FieldErrors,
}

impl<F: Fields> Reader<'_, F> {
    fn text(&mut self, field: &str) -> Option<String> {
        match self.body.text(field) {
            // Neither database stores NUL in text; a name or code holding one names nothing.
            Ok(Some(text)) if text.contains('\0') => {
                self.e.add(field, Problem::nul());
                None
            }
            Ok(text) => text,
            Err(problem) => {
                self.e.add(field, problem);
                None
            }
        }
    }

    fn number(&mut self, field: &str) -> Option<f64> {
        self.body.number(field).unwrap_or_else(|problem| {
            self.e.add(field, problem);
            None
        })
    }

    fn flag(&mut self, field: &str) -> bool {
        self.body
            .flag(field)
            .unwrap_or_else(|problem| {
                self.e.add(field, problem);
                None
            })
            .unwrap_or(false)
    }

    fn required(&mut self, field: &str) -> String {
        let value = self.text(field);
        required_text(self.e, field, value.as_deref(), MAX_NOTE)
    }

    fn optional(&mut self, field: &str) -> String {
        let value = self.text(field);
        optional_text(self.e, field, value.as_deref(), MAX_NOTE).unwrap_or_default()
    }

    fn follow_up_date(&mut self, now: DateTime<Utc>) -> DateTime<Utc> {
        let Some(text) = self.text("next_at") else {
            self.e.add("next_at", "is required: when to follow up next");
            return now;
        };
        match parse_instant(&text) {
            Some(at) if at < now - Duration::days(1) => {
                self.e.add("next_at", "is in the past");
                now
            }
            Some(at) if at > now + Duration::days(FOLLOW_UP_MAX_DAYS) => {
                self.e.add(
                    "next_at",
                    Problem::new(Code::TooFarAhead, "is more than two years ahead"),
                );
                now
            }
            Some(at) => at,
            None => {
                self.e.add(
                    "next_at",
                    "must be a date like 2024-08-01 or 2024-08-01 09:00",
                );
                now
            }
        }
    }

    /// `{volunteer: "name"}`, `{partner: "name"}` or `{pool: true}`: exactly one.
    fn dispatch(&mut self) -> Result<ActionRequest, ()> {
        let volunteer = self.text("volunteer").filter(|s| !s.trim().is_empty());
        let partner = self.optional("partner");
        let pool = self.flag("pool");
        let given =
            usize::from(volunteer.is_some()) + usize::from(!partner.is_empty()) + usize::from(pool);
        if given != 1 {
            self.e.add(
                "volunteer",
                "give exactly one of volunteer, partner or pool: true",
            );
        }
        if !self.e.is_empty() {
            return Err(());
        }
        Ok(match volunteer {
            Some(name) => ActionRequest::DispatchToVolunteer {
                username: name.trim().to_string(),
            },
            None if pool => ActionRequest::Ready(Action::Dispatch {
                target: DispatchTarget::Pool,
            }),
            None => ActionRequest::Ready(Action::Dispatch {
                target: DispatchTarget::Partner { name: partner },
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// Fields as a page's form sends them: all text.
    struct Form(HashMap<&'static str, &'static str>);

    impl Fields for Form {
        fn text(&self, name: &str) -> Result<Option<String>, Problem> {
            Ok(self.0.get(name).map(|s| s.to_string()))
        }
        fn number(&self, name: &str) -> Result<Option<f64>, Problem> {
            match self.0.get(name) {
                None => Ok(None),
                Some(s) => s.parse().map(Some).map_err(|_| "must be a number".into()),
            }
        }
        fn flag(&self, name: &str) -> Result<Option<bool>, Problem> {
            Ok(self.0.get(name).map(|s| *s == "true"))
        }
    }

    fn read(
        kind: ActionKind,
        fields: &[(&'static str, &'static str)],
    ) -> Result<ActionRequest, FieldErrors> {
        let now = parse_instant("2024-07-03 10:00").unwrap();
        read_action(kind, &Form(fields.iter().copied().collect()), now)
    }

    fn fields_wrong(result: Result<ActionRequest, FieldErrors>) -> Vec<String> {
        let errors = result.expect_err("refused");
        let mut fields: Vec<String> = errors.problems().map(|(f, _)| f.to_string()).collect();
        fields.sort();
        fields
    }

    #[test]
    fn dispatch_takes_exactly_one_target() {
        assert_eq!(
            read(ActionKind::Dispatch, &[("pool", "true")]).unwrap(),
            ActionRequest::Ready(Action::Dispatch {
                target: DispatchTarget::Pool
            })
        );
        assert_eq!(
            read(ActionKind::Dispatch, &[("volunteer", " vol1 ")]).unwrap(),
            ActionRequest::DispatchToVolunteer {
                username: "vol1".into()
            }
        );
        assert_eq!(fields_wrong(read(ActionKind::Dispatch, &[])), ["volunteer"]);
        assert_eq!(
            fields_wrong(read(
                ActionKind::Dispatch,
                &[("pool", "true"), ("partner", "物业")]
            )),
            ["volunteer"]
        );
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        assert_eq!(
            fields_wrong(read(ActionKind::Resolve, &[("hours", "101")])),
            ["hours", "outcome"]
        );
        assert_eq!(
            fields_wrong(read(ActionKind::Close, &[("reason", "duplicate")])),
            ["duplicate_of"]
        );
        assert_eq!(
            fields_wrong(read(ActionKind::Close, &[("reason", "out_of_remit")])),
            ["note"]
        );
        assert_eq!(
            fields_wrong(read(ActionKind::FollowUp, &[("next_at", "2020-01-01")])),
            ["next_at", "note"]
        );
        assert_eq!(
            fields_wrong(read(
                ActionKind::FollowUp,
                &[("note", "等"), ("next_at", "2031-01-01")]
            )),
            ["next_at"]
        );
        assert_eq!(
            fields_wrong(read(ActionKind::Review, &[("satisfaction", "meh")])),
            ["satisfaction"]
        );
    }

    #[test]
    fn good_bodies_become_actions() {
        assert_eq!(
            read(
                ActionKind::Resolve,
                &[("outcome", "修好了"), ("hours", "1.5")]
            )
            .unwrap(),
            ActionRequest::Ready(Action::Resolve {
                outcome: "修好了".into(),
                minutes: 90
            })
        );
        assert_eq!(
            read(ActionKind::Accept, &[]).unwrap(),
            ActionRequest::Ready(Action::Accept)
        );
    }
}
