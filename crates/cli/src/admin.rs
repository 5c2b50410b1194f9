//! The administrative commands: `user add`, `token create`, `ledger verify`, `ledger checkpoint`.

use crate::checkpoint;
use anyhow::{bail, Context};
use bangbang_domain::{checkpoint::SignedCheckpoint, place::PlaceKind, PlaceId, Role};
use bangbang_store::{NewUser, SqlStore, Store};
use bangbang_web::auth::{hash_password, hash_token, new_token};
use clap::Subcommand;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum UserCommand {
    /// Add an account. Without --password a random one is made and printed.
    Add {
        /// Login name (letters, digits, _ and -).
        name: String,
        /// staff, grid_worker, volunteer, supervisor or admin.
        #[arg(long)]
        role: String,
        /// The community this user works in (its slug, e.g. liuxiali).
        #[arg(long)]
        community: Option<String>,
        /// For supervisors: the id of their sub-district or district.
        #[arg(long)]
        place_id: Option<PlaceId>,
        #[arg(long)]
        display_name: Option<String>,
        #[arg(long, env = "BANGBANG_PASSWORD")]
        password: Option<String>,
        /// Volunteers: category codes they can take on, comma-separated (or `general`).
        #[arg(long, value_delimiter = ',')]
        skills: Vec<String>,
    },
}

#[derive(Subcommand)]
pub enum CommunityCommand {
    /// Add a community laid out as numbered buildings in grids (楼 1..N, 门 1..M).
    Add {
        /// The name in URLs, e.g. liuxiali.
        slug: String,
        #[arg(long)]
        name: String,
        /// Prefix of request codes, e.g. LXL.
        #[arg(long)]
        prefix: String,
        #[arg(long)]
        subdistrict: String,
        #[arg(long)]
        district: String,
        #[arg(long, default_value_t = 1)]
        grids: usize,
        #[arg(long, default_value_t = 10)]
        buildings_per_grid: usize,
        #[arg(long, default_value_t = 2)]
        entrances: usize,
    },
}

pub async fn community(store: &SqlStore, command: CommunityCommand) -> anyhow::Result<()> {
    let CommunityCommand::Add {
        slug,
        name,
        prefix,
        subdistrict,
        district,
        grids,
        buildings_per_grid,
        entrances,
    } = command;
    let slug_ok = !slug.is_empty()
        && slug.len() <= 40
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !slug_ok {
        bail!("the slug must be 1–40 lowercase letters, digits or -");
    }
    if prefix.is_empty() || prefix.len() > 6 || !prefix.bytes().all(|b| b.is_ascii_uppercase()) {
        bail!("the prefix must be 1–6 capital letters, like LXL");
    }
    if !(1..=50).contains(&grids)
        || !(1..=200).contains(&buildings_per_grid)
        || !(1..=20).contains(&entrances)
    {
        bail!("give 1–50 grids, 1–200 buildings per grid and 1–20 entrances per building");
    }
    if store.community(&slug).await.is_ok() {
        bail!("community {slug:?} already exists");
    }
    let place = |kind, parent, name: &str| bangbang_store::NewPlace {
        kind,
        parent_id: parent,
        name: name.into(),
        slug: None,
        code_prefix: None,
        number: None,
    };
    let d = store
        .add_place(place(PlaceKind::District, None, &district))
        .await?;
    let s = store
        .add_place(place(PlaceKind::Subdistrict, Some(d), &subdistrict))
        .await?;
    let layout = crate::demo::Layout {
        name: &name,
        slug: &slug,
        prefix: &prefix,
        grids,
        buildings_per_grid,
        entrances_per_building: entrances,
    };
    let (_, list, _) = layout.create(store, s).await?;
    for (i, category) in bangbang_domain::category::default_categories()
        .iter()
        .enumerate()
    {
        if store
            .categories()
            .await?
            .iter()
            .all(|c| c.code != category.code)
        {
            store.upsert_category(category, i as i64).await?;
        }
    }
    println!(
        "added {name} ({slug}) with {} buildings and {} entrances",
        grids * buildings_per_grid,
        list.len()
    );
    Ok(())
}

#[derive(Subcommand)]
pub enum TokenCommand {
    /// Make an API token for a user and print it (it is stored only as a hash).
    Create {
        #[arg(long)]
        user: String,
        #[arg(long, default_value = "cli")]
        label: String,
        /// The token stops working after this many days (default: never).
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=3650))]
        days: Option<u32>,
    },
    /// List the API tokens (never the tokens themselves): id, user, label, when made,
    /// when they expire, whether they still work.
    List {
        /// Only this user's tokens.
        #[arg(long)]
        user: Option<String>,
    },
    /// Revoke a token at once, by the id `token list` shows.
    Revoke {
        /// The token's id.
        id: i64,
    },
}

#[derive(Subcommand)]
pub enum LedgerCommand {
    /// Re-compute every hash chain (each community's, and the legacy chain of the events
    /// written before communities had their own); exit 1 naming the community and the
    /// first altered, removed or reordered event.
    Verify {
        /// Only this community's chain (its slug, e.g. liuxiali).
        #[arg(long)]
        community: Option<String>,
        /// Also check the ledger still extends this signed checkpoint (a file written by
        /// `ledger checkpoint`): exit 1 naming each community rolled back, forked or cut
        /// short since.
        #[arg(long, value_name = "FILE")]
        checkpoint: Option<PathBuf>,
    },
    /// Verify the ledger, then sign the heads of all its chains (Ed25519, with the key at
    /// `checkpoint_key`, made on first use) and write the statement to FILE.
    Checkpoint {
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
}

pub async fn user(store: &SqlStore, command: UserCommand) -> anyhow::Result<()> {
    let UserCommand::Add {
        name,
        role,
        community,
        place_id,
        display_name,
        password,
        skills,
    } = command;
    if name.is_empty()
        || name.len() > 40
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        bail!("the user name must be 1–40 letters, digits, _ or -");
    }
    let role = Role::parse(&role).with_context(|| {
        format!("unknown role {role:?}; use staff, grid_worker, volunteer, supervisor or admin")
    })?;
    let scope = match (role, community, place_id) {
        (Role::Admin, None, None) => None,
        (Role::Admin, _, _) => {
            bail!("an admin works everywhere: give no --community or --place-id")
        }
        (_, Some(slug), None) => Some(
            store
                .community(&slug)
                .await
                .with_context(|| format!("no community {slug:?}"))?
                .id,
        ),
        (Role::Supervisor, None, Some(id)) => {
            let place = store
                .place_by_id(id)
                .await
                .with_context(|| format!("no place with id {id}"))?;
            if !matches!(place.kind, PlaceKind::Subdistrict | PlaceKind::District) {
                bail!("a supervisor's --place-id must be a sub-district or district");
            }
            Some(id)
        }
        (Role::Supervisor, _, _) => {
            bail!("give a supervisor --place-id (a sub-district or district) or --community")
        }
        _ => bail!(
            "give --community SLUG: the community this {} works in",
            role.as_str()
        ),
    };
    let (password, generated) = match password {
        Some(p) if p.chars().count() >= 8 => (p, false),
        Some(_) => bail!("the password must be at least 8 characters"),
        None => (new_token()[3..19].to_string(), true),
    };
    let user = store
        .add_user(NewUser {
            display_name: display_name.unwrap_or_else(|| name.clone()),
            username: name,
            role,
            scope_place_id: scope,
            password_hash: hash_password(&password)?,
            phone: None,
            skills,
            home_entrance_id: None,
        })
        .await?;
    println!(
        "added {} ({}, id {})",
        user.username,
        user.role.as_str(),
        user.id
    );
    if generated {
        println!("password: {password}");
    }
    Ok(())
}

pub async fn token(store: &SqlStore, command: TokenCommand) -> anyhow::Result<()> {
    match command {
        TokenCommand::Create { user, label, days } => {
            let user = store
                .user_by_name(&user)
                .await
                .with_context(|| format!("no user {user:?}"))?;
            let token = new_token();
            let expires_ms = days.map(|d| {
                (chrono::Utc::now() + chrono::Duration::days(i64::from(d))).timestamp_millis()
            });
            store
                .add_token_until(user.id, &hash_token(&token), &label, expires_ms)
                .await?;
            println!("{token}");
        }
        TokenCommand::List { user } => {
            let now = chrono::Utc::now().timestamp_millis();
            let when = |ms: i64| {
                bangbang_domain::time::from_ms(ms)
                    .with_timezone(&bangbang_domain::time::local_zone())
                    .format("%Y-%m-%d %H:%M")
                    .to_string()
            };
            println!(
                "{:>5}  {:<16} {:<16} {:<16} {:<16} state",
                "id", "user", "label", "created", "expires"
            );
            for t in store.tokens(user.as_deref()).await? {
                let state = match (t.revoked_ms, t.expires_ms) {
                    (Some(_), _) => "revoked",
                    (None, Some(e)) if e <= now => "expired",
                    _ => "active",
                };
                println!(
                    "{:>5}  {:<16} {:<16} {:<16} {:<16} {state}",
                    t.id,
                    t.username,
                    t.label,
                    when(t.created_ms),
                    t.expires_ms.map(when).unwrap_or_else(|| "never".into()),
                );
            }
        }
        TokenCommand::Revoke { id } => {
            store
                .revoke_token(id, chrono::Utc::now().timestamp_millis())
                .await
                .with_context(|| format!("no token with id {id} (see `bangbang token list`)"))?;
            println!("token {id} revoked: it no longer works");
        }
    }
    Ok(())
}

pub async fn ledger(
    store: &SqlStore,
    key_path: &Path,
    command: LedgerCommand,
) -> anyhow::Result<ExitCode> {
    match command {
        LedgerCommand::Verify {
            community,
            checkpoint,
        } => verify(store, key_path, community, checkpoint).await,
        LedgerCommand::Checkpoint { out } => {
            let (key, made) = checkpoint::key_or_new(key_path)?;
            if made {
                println!(
                    "made a new checkpoint key at {} (fingerprint {}): keep it, and keep it private",
                    key_path.display(),
                    key.fingerprint()
                );
            }
            let signed =
                checkpoint::take(store, &key, chrono::Utc::now().timestamp_millis()).await?;
            checkpoint::write(store, &signed, &out).await?;
            let s = &signed.statement;
            println!(
                "checkpoint of {} chain(s) written to {}: Merkle root {}, signed by key {}",
                s.chains.len(),
                out.display(),
                s.merkle_root,
                s.fingerprint
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn verify(
    store: &SqlStore,
    key_path: &Path,
    community: Option<String>,
    checkpoint_file: Option<PathBuf>,
) -> anyhow::Result<ExitCode> {
    // The checkpoint's signature first: a forged one proves nothing either way.
    let recorded = match &checkpoint_file {
        None => None,
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the checkpoint {}", path.display()))?;
            let signed = SignedCheckpoint::from_json(&text).and_then(|c| c.verify().map(|_| c));
            let signed = match signed {
                Ok(signed) => signed,
                Err(e) => {
                    println!("checkpoint FAILED: {}: {e}", path.display());
                    return Ok(ExitCode::from(1));
                }
            };
            let s = &signed.statement;
            match checkpoint::read_key(key_path)? {
                Some(key) if key.public_hex() != s.public_key => {
                    println!(
                        "checkpoint FAILED: {} is signed by key {}, not by this deployment's key {} ({})",
                        path.display(),
                        s.fingerprint,
                        key.fingerprint(),
                        key_path.display()
                    );
                    return Ok(ExitCode::from(1));
                }
                Some(_) => println!(
                    "checkpoint of {} signed by this deployment's key {}",
                    s.taken_at, s.fingerprint
                ),
                None => println!(
                    "checkpoint of {} has a valid signature by key {}; there is no key at {} to \
                     compare it with: check that fingerprint against the one you recorded",
                    s.taken_at,
                    s.fingerprint,
                    key_path.display()
                ),
            }
            Some(signed)
        }
    };
    let report = match &community {
        None => store.verify_ledger().await?,
        Some(slug) => {
            let community = store
                .community(slug)
                .await
                .with_context(|| format!("no community {slug:?}"))?;
            store.verify_chain(community.id).await?
        }
    };
    let mut failed = false;
    match (&report.chain, &report.fault) {
        (Some(chain), Some(fault)) => {
            failed = true;
            println!("ledger FAILED in {chain} at event {}: {fault}", fault.seq());
            for (chain, fault) in &report.other_faults {
                println!("ledger FAILED in {chain} at event {}: {fault}", fault.seq());
            }
        }
        _ => println!(
            "ledger OK: {} events checked in {} chain(s), every hash chain is unbroken",
            report.events_checked, report.chains_checked
        ),
    }
    if let Some(signed) = &recorded {
        let divergences = checkpoint::divergences(store, signed, community.as_deref()).await?;
        for divergence in &divergences {
            println!("checkpoint FAILED: {divergence}");
        }
        if divergences.is_empty() {
            println!(
                "the ledger extends the checkpoint of {} in every chain it recorded",
                signed.statement.taken_at
            );
        }
        failed |= !divergences.is_empty();
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
