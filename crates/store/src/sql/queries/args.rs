//! Building SQL with a variable set of conditions, numbering `$n` placeholders as it goes
//! (both SQLite and PostgreSQL accept `$n`).

use super::Db;
use sqlx::query::{Query, QueryAs};
use sqlx::{Database, FromRow};

type Args<'q> = <Db as Database>::Arguments<'q>;

#[derive(Debug, Clone)]
pub(crate) enum Arg {
    Int(i64),
    Text(String),
}

#[derive(Debug, Default)]
pub(crate) struct SqlBuilder {
    text: String,
    args: Vec<Arg>,
}

impl SqlBuilder {
    pub fn new(text: &str) -> SqlBuilder {
        SqlBuilder {
            text: text.to_string(),
            args: Vec::new(),
        }
    }

    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends `$n` for a new argument and returns its placeholder, so a value used twice
    /// in one condition is bound once.
    pub fn arg(&mut self, arg: Arg) -> String {
        self.args.push(arg);
        format!("${}", self.args.len())
    }

    pub fn int(&mut self, value: impl Into<i64>) -> String {
        self.arg(Arg::Int(value.into()))
    }

    pub fn text(&mut self, value: &str) -> String {
        self.arg(Arg::Text(value.to_string()))
    }

    pub fn query(&self) -> Query<'_, Db, Args<'_>> {
        self.args
            .iter()
            .fold(sqlx::query(&self.text), |q, arg| match arg {
                Arg::Int(v) => q.bind(*v),
                Arg::Text(v) => q.bind(v.clone()),
            })
    }

    pub fn query_as<T>(&self) -> QueryAs<'_, Db, T, Args<'_>>
    where
        T: for<'r> FromRow<'r, <Db as Database>::Row>,
    {
        self.args
            .iter()
            .fold(sqlx::query_as(&self.text), |q, arg| match arg {
                Arg::Int(v) => q.bind(*v),
                Arg::Text(v) => q.bind(v.clone()),
            })
    }
}
