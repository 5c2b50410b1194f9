//! Who may see and do what. Scope is checked against a request's place path; roles
//! against the action. The rules are pure so they can be tested exhaustively.

use crate::category::CategoryCode;
use crate::ids::{PlaceId, UserId};
use crate::lifecycle::{ActionKind, Status};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Role {
    Staff,
    GridWorker,
    Volunteer,
    Supervisor,
    Admin,
    /// A resident using the public pages: no account, scoped to one community, may only
    /// file a request and rate its result once.
    Resident,
}

impl Role {
    /// The roles an account can have.
    pub const ALL: [Role; 5] = [
        Role::Staff,
        Role::GridWorker,
        Role::Volunteer,
        Role::Supervisor,
        Role::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Staff => "staff",
            Role::GridWorker => "grid_worker",
            Role::Volunteer => "volunteer",
            Role::Supervisor => "supervisor",
            Role::Admin => "admin",
            Role::Resident => "resident",
        }
    }

    /// Parses an account role; `resident` is not one.
    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == text)
    }

    pub fn zh(self) -> &'static str {
        match self {
            Role::Staff => "社区工作人员",
            Role::GridWorker => "网格员",
            Role::Volunteer => "志愿者",
            Role::Supervisor => "街道/区督办",
            Role::Admin => "管理员",
            Role::Resident => "居民",
        }
    }
}

/// The places above a request, enough to decide whether an actor's scope covers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommunityPath {
    pub district_id: PlaceId,
    pub subdistrict_id: PlaceId,
    pub community_id: PlaceId,
}

impl CommunityPath {
    pub fn contains(&self, place_id: PlaceId) -> bool {
        place_id == self.district_id
            || place_id == self.subdistrict_id
            || place_id == self.community_id
    }
}

/// A signed-in user, as the rules see them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The account acting, for a signed-in user; `None` for a resident on the public pages
    /// and for the command line's operator, who act without one.
    pub user_id: Option<UserId>,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// The place the user works in: a community for staff, grid workers and volunteers,
    /// a sub-district or district for supervisors; everywhere for admins.
    pub scope: Scope,
    /// Category codes a volunteer can take on; `general` fits any category.
    pub skills: Vec<String>,
}

/// The facts about a request that the rules need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestFacts {
    pub path: CommunityPath,
    pub status: Status,
    pub category: CategoryCode,
    pub assignee_id: Option<UserId>,
}

/// How far an actor reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// The whole deployment: admins and the command line's operator.
    Everywhere,
    /// One place and everything under it: a community, a sub-district or a district.
    Within(PlaceId),
}

impl Scope {
    /// The place the scope is bounded by; `None` for everywhere.
    pub fn place(self) -> Option<PlaceId> {
        match self {
            Scope::Everywhere => None,
            Scope::Within(place) => Some(place),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccessError {
    /// Outside the actor's scope: answered as "not found" so nothing leaks.
    #[error("not found")]
    OutOfScope,
    #[error("{0}")]
    Forbidden(String),
}

impl Actor {
    pub fn covers(&self, path: &CommunityPath) -> bool {
        match self.scope {
            Scope::Everywhere => self.role == Role::Admin,
            Scope::Within(place) => path.contains(place),
        }
    }

    pub fn is_office(&self) -> bool {
        matches!(self.role, Role::Staff | Role::Admin)
    }

    pub fn has_skill_for(&self, category: &str) -> bool {
        self.skills.iter().any(|s| s == category || s == "general")
    }

    /// Whether the request is visible at all. Volunteers see the open pool of their
    /// community and what is assigned to them; everyone else sees their whole scope.
    pub fn can_see(&self, request: &RequestFacts) -> Result<(), AccessError> {
        if !self.covers(&request.path) {
            return Err(AccessError::OutOfScope);
        }
        if self.role == Role::Volunteer
            && request.status != Status::Pooled
            && !self.is_assignee(request)
        {
            return Err(AccessError::OutOfScope);
        }
        Ok(())
    }

    /// Whether the reporter's phone and room may be shown in full: always to the office,
    /// to a volunteer only while the job is accepted and in hand.
    pub fn sees_personal_data(&self, request: &RequestFacts) -> bool {
        match self.role {
            Role::Staff | Role::Admin => true,
            // Only while the job is theirs and in hand: from acceptance to resolution.
            Role::Volunteer => {
                self.is_assignee(request)
                    && matches!(request.status, Status::Accepted | Status::InProgress)
            }
            Role::GridWorker | Role::Supervisor | Role::Resident => false,
        }
    }

    /// The actions this actor may take on the request in its current state: what a
    /// client should offer as buttons.
    pub fn available_actions(&self, request: &RequestFacts) -> Vec<ActionKind> {
        crate::lifecycle::allowed_actions(request.status)
            .into_iter()
            .filter(|kind| self.authorize(*kind, request).is_ok())
            .collect()
    }

    pub fn may_create_requests(&self) -> bool {
        matches!(
            self.role,
            Role::Staff | Role::Admin | Role::GridWorker | Role::Resident
        )
    }

    /// The resident of a community's public pages, as an actor: no account.
    pub fn resident(community_id: PlaceId) -> Actor {
        Actor {
            user_id: None,
            username: "resident".into(),
            display_name: "居民".into(),
            role: Role::Resident,
            scope: Scope::Within(community_id),
            skills: Vec::new(),
        }
    }

    /// The operator at the command line (imports, exports, reports, administration): the
    /// whole deployment in reach, and no account.
    pub fn operator() -> Actor {
        Actor {
            user_id: None,
            username: "cli".into(),
            display_name: "命令行".into(),
            role: Role::Admin,
            scope: Scope::Everywhere,
            skills: Vec::new(),
        }
    }

    /// Whether the request is assigned to this actor's account.
    pub fn is_assignee(&self, request: &RequestFacts) -> bool {
        self.user_id.is_some() && request.assignee_id == self.user_id
    }

    /// Whether this role may ever take an action of `kind`, whatever the request.
    pub fn role_may(&self, kind: ActionKind) -> bool {
        match self.role {
            Role::Staff | Role::Admin => true,
            Role::Supervisor | Role::GridWorker => kind == ActionKind::Note,
            Role::Resident => kind == ActionKind::Review,
            Role::Volunteer => matches!(
                kind,
                ActionKind::Accept
                    | ActionKind::Decline
                    | ActionKind::Start
                    | ActionKind::Resolve
                    | ActionKind::Note
            ),
        }
    }

    /// Role rules for taking an action of `kind` on a request. A role that may never take the
    /// action is refused outright (403); otherwise the request must be visible (404) and,
    /// for volunteers, theirs or claimable with a fitting skill.
    pub fn authorize(&self, kind: ActionKind, request: &RequestFacts) -> Result<(), AccessError> {
        let role_may = self.role_may(kind);
        if !role_may {
            return Err(AccessError::Forbidden(format!(
                "a {} cannot {} requests",
                self.role.as_str(),
                kind.as_str()
            )));
        }
        self.can_see(request)?;
        if self.role != Role::Volunteer {
            return Ok(());
        }
        if kind == ActionKind::Accept && request.status == Status::Pooled {
            return if self.has_skill_for(request.category.as_str()) {
                Ok(())
            } else {
                Err(AccessError::Forbidden(format!(
                    "your skills do not include {}",
                    request.category
                )))
            };
        }
        if self.is_assignee(request) {
            Ok(())
        } else {
            Err(AccessError::Forbidden(
                "this request is assigned to someone else".into(),
            ))
        }
    }
}

/// `13812345678` → `138****5678`; short numbers keep only their last two digits.
pub fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    if chars.len() >= 11 {
        let head: String = chars[..3].iter().collect();
        let tail: String = chars[chars.len() - 4..].iter().collect();
        format!("{head}****{tail}")
    } else if chars.len() > 2 {
        let tail: String = chars[chars.len() - 2..].iter().collect();
        format!("{}{tail}", "*".repeat(chars.len() - 2))
    } else {
        "*".repeat(chars.len())
    }
}

/// Rooms are masked whole: `301` → `***`.
pub fn mask_room(room: &str) -> String {
    "*".repeat(room.chars().count().max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PATH: CommunityPath = CommunityPath {
        district_id: PlaceId::new(1),
        subdistrict_id: PlaceId::new(2),
        community_id: PlaceId::new(3),
    };

    fn actor(role: Role, scope: Option<i64>) -> Actor {
        Actor {
            user_id: Some(UserId::new(10)),
            username: "u".into(),
            display_name: "U".into(),
            role,
            scope: scope.map_or(Scope::Everywhere, |p| Scope::Within(PlaceId::new(p))),
            skills: vec!["sewer_overflow".into()],
        }
    }

    fn facts(status: Status, assignee: Option<i64>) -> RequestFacts {
        RequestFacts {
            path: PATH,
            status,
            category: crate::category::CategoryCode::parse("sewer_overflow").unwrap(),
            assignee_id: assignee.map(UserId::new),
        }
    }

    #[test]
    fn actors_without_an_account_are_nobodys_assignee() {
        let facts = RequestFacts {
            path: CommunityPath {
                district_id: PlaceId::new(1),
                subdistrict_id: PlaceId::new(2),
                community_id: PlaceId::new(3),
            },
            status: Status::Submitted,
            category: crate::category::CategoryCode::parse("other").unwrap(),
            assignee_id: None,
        };
        // No account is not "the same account" as no assignee.
        assert!(!Actor::resident(PlaceId::new(3)).is_assignee(&facts));
        assert!(!Actor::operator().is_assignee(&facts));
        assert_eq!(Actor::operator().user_id, None);
        assert_eq!(Actor::resident(PlaceId::new(3)).user_id, None);
    }

    #[test]
    fn scope_hides_other_communities() {
        let other = CommunityPath {
            district_id: PlaceId::new(1),
            subdistrict_id: PlaceId::new(2),
            community_id: PlaceId::new(4),
        };
        let staff = actor(Role::Staff, Some(3));
        let req = RequestFacts {
            path: other,
            ..facts(Status::Submitted, None)
        };
        assert_eq!(staff.can_see(&req), Err(AccessError::OutOfScope));
        assert!(actor(Role::Supervisor, Some(2)).can_see(&req).is_ok());
        assert!(actor(Role::Supervisor, Some(1)).can_see(&req).is_ok());
        assert!(actor(Role::Admin, None).can_see(&req).is_ok());
        assert_eq!(
            actor(Role::Staff, None).can_see(&req),
            Err(AccessError::OutOfScope)
        );
    }

    #[test]
    fn volunteers_cannot_dispatch_and_see_only_pool_or_own() {
        let v = actor(Role::Volunteer, Some(3));
        assert!(matches!(
            v.authorize(ActionKind::Dispatch, &facts(Status::Pooled, None)),
            Err(AccessError::Forbidden(_))
        ));
        assert_eq!(
            v.can_see(&facts(Status::Submitted, None)),
            Err(AccessError::OutOfScope)
        );
        assert_eq!(
            v.can_see(&facts(Status::Accepted, Some(99))),
            Err(AccessError::OutOfScope)
        );
        assert!(v
            .authorize(ActionKind::Accept, &facts(Status::Pooled, None))
            .is_ok());
        assert!(v
            .authorize(ActionKind::Start, &facts(Status::Accepted, Some(10)))
            .is_ok());
        let unskilled = Actor {
            skills: vec!["errands".into()],
            ..v.clone()
        };
        assert!(unskilled
            .authorize(ActionKind::Accept, &facts(Status::Pooled, None))
            .is_err());
        assert_eq!(
            v.available_actions(&facts(Status::Accepted, Some(10))),
            vec![
                ActionKind::Decline,
                ActionKind::Start,
                ActionKind::Resolve,
                ActionKind::Note
            ]
        );
        let staff = actor(Role::Staff, Some(3));
        assert_eq!(
            staff.available_actions(&facts(Status::Resolved, Some(10))),
            vec![ActionKind::Review, ActionKind::Reopen, ActionKind::Note]
        );
    }

    #[test]
    fn supervisors_and_grid_workers_only_add_notes() {
        for role in [Role::Supervisor, Role::GridWorker] {
            let a = actor(role, Some(3));
            let f = facts(Status::Submitted, None);
            assert!(a.authorize(ActionKind::Note, &f).is_ok());
            assert!(a.authorize(ActionKind::Start, &f).is_err());
        }
    }

    #[test]
    fn personal_data_only_after_acceptance() {
        let v = actor(Role::Volunteer, Some(3));
        assert!(!v.sees_personal_data(&facts(Status::Dispatched, Some(10))));
        assert!(v.sees_personal_data(&facts(Status::Accepted, Some(10))));
        assert!(!v.sees_personal_data(&facts(Status::Accepted, Some(11))));
        assert!(v.sees_personal_data(&facts(Status::InProgress, Some(10))));
        assert!(
            !v.sees_personal_data(&facts(Status::Resolved, Some(10))),
            "masked again once done"
        );
        assert!(actor(Role::Staff, Some(3)).sees_personal_data(&facts(Status::Pooled, None)));
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_room("301"), "***");
    }
}
