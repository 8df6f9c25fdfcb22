//! What differs between the database engines Weir reaches: names, quoting, and how a column is
//! fetched as text.

/// A database engine (and its wire protocol).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// PostgreSQL (and Amazon Redshift, which speaks its protocol).
    Postgres,
    /// MySQL and MariaDB.
    MySql,
}

impl Dialect {
    /// The engine a JDBC URL's sub-protocol or a `JDBC_ENGINE` property names.
    pub fn from_engine(engine: &str) -> Result<Self, String> {
        match engine.to_ascii_lowercase().as_str() {
            "postgresql" | "postgres" | "redshift" => Ok(Dialect::Postgres),
            "mysql" | "mariadb" | "aurora" => Ok(Dialect::MySql),
            other => Err(format!(
                "names the engine '{other}': Weir connects to postgresql, mysql, mariadb and redshift"
            )),
        }
    }

    /// The engine a node's `ConnectionType` names (`postgresql`, `mysql`, …), or a table's
    /// `classification` parameter.
    pub fn from_connection_type(kind: &str) -> Option<Self> {
        Self::from_engine(kind).ok()
    }

    pub fn default_port(self) -> u16 {
        match self {
            Dialect::Postgres => 5432,
            Dialect::MySql => 3306,
        }
    }

    /// The URL scheme, and the `classification` a crawler gives the engine's tables.
    pub fn url_scheme(self) -> &'static str {
        match self {
            Dialect::Postgres => "postgresql",
            Dialect::MySql => "mysql",
        }
    }

    /// A quoted identifier.
    pub fn quote(self, name: &str) -> String {
        match self {
            Dialect::Postgres => format!("\"{}\"", name.replace('"', "\"\"")),
            Dialect::MySql => format!("`{}`", name.replace('`', "``")),
        }
    }

    /// A quoted string literal.
    pub fn literal(self, text: &str) -> String {
        match self {
            Dialect::Postgres => format!("'{}'", text.replace('\'', "''")),
            Dialect::MySql => format!("'{}'", text.replace('\\', "\\\\").replace('\'', "''")),
        }
    }

    /// A table name as a node or a catalog table gives it (`schema.table`, `db.schema.table`,
    /// `table`; quoted parts kept as they are), quoted for SQL. The database part of a three-part
    /// PostgreSQL name is the connection's and is dropped.
    pub fn table(self, name: &str) -> String {
        let parts = split_name(name);
        let parts = match (self, parts.len()) {
            (Dialect::Postgres, 3) => &parts[1..],
            _ => &parts[..],
        };
        parts
            .iter()
            .map(
                |p| match p.strip_prefix('"').and_then(|p| p.strip_suffix('"')) {
                    Some(quoted) => self.quote(&quoted.replace("\"\"", "\"")),
                    None => match p.strip_prefix('`').and_then(|p| p.strip_suffix('`')) {
                        Some(quoted) => self.quote(quoted),
                        None => self.quote(p),
                    },
                },
            )
            .collect::<Vec<_>>()
            .join(".")
    }

    /// A column selected as text (for types read through their text form).
    pub fn as_text(self, column: &str) -> String {
        match self {
            Dialect::Postgres => format!("{}::text", self.quote(column)),
            Dialect::MySql => format!("CAST({} AS CHAR)", self.quote(column)),
        }
    }

    /// A PostgreSQL array column selected as JSON text.
    pub fn as_json(self, column: &str) -> String {
        match self {
            Dialect::Postgres => format!("to_json({})::text", self.quote(column)),
            Dialect::MySql => self.as_text(column),
        }
    }

    /// A bucket number in `0..buckets` from any column's value (Glue's `hashfield`).
    pub fn hash_bucket(self, column: &str, buckets: u64) -> String {
        match self {
            Dialect::Postgres => format!(
                "mod(abs(hashtext({}::text)::bigint), {buckets})",
                self.quote(column)
            ),
            Dialect::MySql => format!("MOD(CRC32({}), {buckets})", self.quote(column)),
        }
    }
}

/// The dot-separated parts of a name, dots inside quotes kept.
fn split_name(name: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut start, mut quote) = (0, None);
    for (i, c) in name.char_indices() {
        match (c, quote) {
            ('"' | '`', None) => quote = Some(c),
            (c, Some(q)) if c == q => quote = None,
            ('.', None) => {
                parts.push(name[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(name[start..].trim());
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_names_are_quoted_part_by_part() {
        assert_eq!(
            Dialect::Postgres.table("cx.customer"),
            "\"cx\".\"customer\""
        );
        assert_eq!(
            Dialect::Postgres.table("sourcedb.cx.customer"),
            "\"cx\".\"customer\""
        );
        assert_eq!(
            Dialect::Postgres.table("\"My.Schema\".t"),
            "\"My.Schema\".\"t\""
        );
        assert_eq!(Dialect::MySql.table("shop.orders"), "`shop`.`orders`");
        assert_eq!(Dialect::MySql.table("odd`name"), "`odd``name`");
        assert_eq!(Dialect::MySql.literal("it's \\"), "'it''s \\\\'");
    }
}
