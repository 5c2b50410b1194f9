//! Places and categories.

use super::Pool;
use crate::model::{Community, NewPlace, PlaceRecord};
use crate::{StoreError, StoreResult};
use bangbang_domain::validation::{Code, Problem};
use bangbang_domain::{
    category::{Category, CategoryCode},
    place::PlaceKind,
    PlaceId,
};

#[derive(sqlx::FromRow)]
struct AncestorRow {
    id: PlaceId,
    kind: String,
    district_id: Option<PlaceId>,
    subdistrict_id: Option<PlaceId>,
    community_id: Option<PlaceId>,
    grid_id: Option<PlaceId>,
}

fn expected_parent(kind: PlaceKind) -> Option<PlaceKind> {
    match kind {
        PlaceKind::District => None,
        PlaceKind::Subdistrict => Some(PlaceKind::District),
        PlaceKind::Community => Some(PlaceKind::Subdistrict),
        PlaceKind::Grid => Some(PlaceKind::Community),
        PlaceKind::Building => Some(PlaceKind::Grid),
        PlaceKind::Entrance => Some(PlaceKind::Building),
    }
}

/// Adds a place under its parent, or returns the id of the one already there with the
/// same kind and name (so seeding twice adds nothing).
pub(crate) async fn add_place(pool: &Pool, place: NewPlace) -> StoreResult<PlaceId> {
    let existing: Option<(PlaceId,)> = sqlx::query_as(
        "SELECT id FROM places WHERE COALESCE(parent_id, 0) = $1 AND kind = $2 AND name = $3",
    )
    .bind(place.parent_id.map_or(0, PlaceId::get))
    .bind(place.kind.as_str())
    .bind(&place.name)
    .fetch_optional(pool)
    .await?;
    if let Some((id,)) = existing {
        return Ok(id);
    }
    // Request codes are counted per community under its own ledger head, so two
    // communities sharing a code prefix could hand out the same code on the same day.
    if let Some(prefix) = place.code_prefix.as_deref() {
        let taken: Option<(String,)> =
            sqlx::query_as("SELECT name FROM places WHERE kind = 'community' AND code_prefix = $1")
                .bind(prefix)
                .fetch_optional(pool)
                .await?;
        if let Some((name,)) = taken {
            return Err(StoreError::invalid(
                "prefix",
                format!("the code prefix {prefix:?} is already {name}'s; choose another"),
            ));
        }
    }
    let parent = match place.parent_id {
        None => None,
        Some(id) => Some(
            sqlx::query_as::<_, AncestorRow>(
                "SELECT id, kind, district_id, subdistrict_id, community_id, grid_id \
                 FROM places WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(pool)
            .await?
            .ok_or_else(|| StoreError::invalid("parent", format!("no place with id {id}")))?,
        ),
    };
    let parent_kind = parent.as_ref().and_then(|p| PlaceKind::parse(&p.kind));
    if parent_kind != expected_parent(place.kind) {
        return Err(StoreError::invalid(
            "parent",
            format!(
                "a {} must sit under a {:?}",
                place.kind.as_str(),
                expected_parent(place.kind)
            ),
        ));
    }
    // Each place records all its ancestors, so scope checks need no recursive query.
    let mut ancestors = [None::<PlaceId>; 5];
    if let Some(p) = &parent {
        ancestors = [
            p.district_id,
            p.subdistrict_id,
            p.community_id,
            p.grid_id,
            None,
        ];
        let level = match parent_kind {
            Some(PlaceKind::District) => 0,
            Some(PlaceKind::Subdistrict) => 1,
            Some(PlaceKind::Community) => 2,
            Some(PlaceKind::Grid) => 3,
            _ => 4,
        };
        ancestors[level] = Some(p.id);
    }
    let (id,): (PlaceId,) = sqlx::query_as(
        "INSERT INTO places (kind, parent_id, name, slug, code_prefix, number, district_id, \
         subdistrict_id, community_id, grid_id, building_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(place.kind.as_str())
    .bind(place.parent_id)
    .bind(&place.name)
    .bind(&place.slug)
    .bind(&place.code_prefix)
    .bind(&place.number)
    .bind(ancestors[0])
    .bind(ancestors[1])
    .bind(ancestors[2])
    .bind(ancestors[3])
    .bind(ancestors[4])
    .fetch_one(pool)
    .await
    .map_err(|e| StoreError::from_unique(e, "a place with that slug"))?;
    Ok(id)
}

const COMMUNITY_SELECT: &str = "SELECT c.id, c.slug, c.name, c.code_prefix, \
    s.id AS subdistrict_id, s.name AS subdistrict_name, d.id AS district_id, d.name AS district_name \
    FROM places c JOIN places s ON s.id = c.subdistrict_id JOIN places d ON d.id = c.district_id \
    WHERE c.kind = 'community' ";

#[derive(sqlx::FromRow)]
struct CommunityRow {
    id: PlaceId,
    slug: Option<String>,
    name: String,
    code_prefix: Option<String>,
    subdistrict_id: PlaceId,
    subdistrict_name: String,
    district_id: PlaceId,
    district_name: String,
}

impl From<CommunityRow> for Community {
    fn from(row: CommunityRow) -> Community {
        Community {
            id: row.id,
            slug: row.slug.unwrap_or_default(),
            name: row.name,
            code_prefix: row.code_prefix.unwrap_or_else(|| "REQ".into()),
            subdistrict_id: row.subdistrict_id,
            subdistrict_name: row.subdistrict_name,
            district_id: row.district_id,
            district_name: row.district_name,
        }
    }
}

pub(crate) async fn community(pool: &Pool, slug: &str) -> StoreResult<Community> {
    if slug.contains('\0') {
        // No slug holds NUL, and PostgreSQL refuses it in a parameter.
        return Err(StoreError::NotFound(format!("community {slug:?}")));
    }
    let sql = format!("{COMMUNITY_SELECT} AND c.slug = $1");
    sqlx::query_as::<_, CommunityRow>(&sql)
        .bind(slug)
        .fetch_optional(pool)
        .await?
        .map(Community::from)
        .ok_or_else(|| StoreError::NotFound(format!("community {slug:?}")))
}

pub(crate) async fn communities(pool: &Pool) -> StoreResult<Vec<Community>> {
    let sql = format!("{COMMUNITY_SELECT} ORDER BY c.id");
    let rows = sqlx::query_as::<_, CommunityRow>(&sql)
        .fetch_all(pool)
        .await?;
    Ok(rows.into_iter().map(Community::from).collect())
}

#[derive(sqlx::FromRow)]
struct PlaceRow {
    id: PlaceId,
    kind: String,
    parent_id: Option<PlaceId>,
    name: String,
    number: Option<String>,
}

pub(crate) async fn place_by_id(pool: &Pool, id: PlaceId) -> StoreResult<PlaceRecord> {
    let row: PlaceRow =
        sqlx::query_as("SELECT id, kind, parent_id, name, number FROM places WHERE id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("place {id}")))?;
    let kind = PlaceKind::parse(&row.kind)
        .ok_or_else(|| StoreError::Corrupt(format!("place {id} has kind {:?}", row.kind)))?;
    Ok(PlaceRecord {
        id: row.id,
        kind,
        parent_id: row.parent_id,
        name: row.name,
        number: row.number,
    })
}

/// The building and entrance of an address in a community, with the building's grid.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ResolvedAddress {
    pub grid_id: Option<PlaceId>,
    pub building_id: Option<PlaceId>,
    pub entrance_id: Option<PlaceId>,
}

pub(crate) async fn resolve_address(
    pool: &Pool,
    community_id: PlaceId,
    building: Option<&str>,
    entrance: Option<&str>,
) -> StoreResult<Result<ResolvedAddress, (&'static str, Problem)>> {
    let Some(building) = building else {
        return Ok(Ok(ResolvedAddress::default()));
    };
    let found: Option<(PlaceId, Option<PlaceId>)> = sqlx::query_as(
        "SELECT id, grid_id FROM places WHERE community_id = $1 AND kind = 'building' AND number = $2",
    )
    .bind(community_id)
    .bind(building)
    .fetch_optional(pool)
    .await?;
    let Some((building_id, grid_id)) = found else {
        return Ok(Err((
            "address.building",
            Problem::new(
                Code::NoSuchBuilding(building.to_string()),
                format!("there is no building {building} in this community"),
            ),
        )));
    };
    let mut address = ResolvedAddress {
        grid_id,
        building_id: Some(building_id),
        entrance_id: None,
    };
    if let Some(entrance) = entrance {
        let found: Option<(PlaceId,)> = sqlx::query_as(
            "SELECT id FROM places WHERE building_id = $1 AND kind = 'entrance' AND number = $2",
        )
        .bind(building_id)
        .bind(entrance)
        .fetch_optional(pool)
        .await?;
        match found {
            Some((id,)) => address.entrance_id = Some(id),
            None => {
                return Ok(Err((
                    "address.entrance",
                    Problem::new(
                        Code::NoSuchEntrance(building.to_string(), entrance.to_string()),
                        format!("building {building} has no entrance {entrance}"),
                    ),
                )))
            }
        }
    }
    Ok(Ok(address))
}

pub(crate) async fn upsert_category(
    pool: &Pool,
    category: &Category,
    sort_order: i64,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO categories (code, name_zh, name_en, counts_entrances, sort_order, active) \
         VALUES ($1, $2, $3, $4, $5, TRUE) \
         ON CONFLICT (code) DO UPDATE SET name_zh = excluded.name_zh, name_en = excluded.name_en, \
         counts_entrances = excluded.counts_entrances, sort_order = excluded.sort_order",
    )
    .bind(&category.code)
    .bind(&category.name_zh)
    .bind(&category.name_en)
    .bind(category.counts_entrances)
    .bind(sort_order)
    .execute(pool)
    .await?;
    Ok(())
}

pub(crate) async fn categories(pool: &Pool) -> StoreResult<Vec<Category>> {
    let rows: Vec<(CategoryCode, String, String, bool)> = sqlx::query_as(
        "SELECT code, name_zh, name_en, counts_entrances FROM categories \
         WHERE active ORDER BY sort_order, code",
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(code, name_zh, name_en, counts)| Category {
            code,
            name_zh,
            name_en,
            counts_entrances: counts,
        })
        .collect())
}

/// The time limits for a category and urgency: an override row if there is one.
pub(crate) async fn time_limit_override(
    pool: &Pool,
    category: &str,
    urgency: &str,
) -> StoreResult<Option<(i64, i64)>> {
    Ok(sqlx::query_as(
        "SELECT respond_minutes, resolve_minutes FROM time_limits WHERE category = $1 AND urgency = $2",
    )
    .bind(category)
    .bind(urgency)
    .fetch_optional(pool)
    .await?)
}
