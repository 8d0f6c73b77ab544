//! The kinds of internal detail a [`Finding`](super::Finding) can point at.

use std::fmt;

/// What kind of internal detail a signature reveals.
///
/// Every built-in signature belongs to exactly one category; signatures added
/// through [`DetectorBuilder::literal`](super::DetectorBuilder::literal) and
/// [`DetectorBuilder::regex`](super::DetectorBuilder::regex) belong to
/// [`Category::Custom`]. Categories can be switched off as a whole with
/// [`DetectorBuilder::disable`](super::DetectorBuilder::disable).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Category {
    /// Stack traces and runtime error output: Rust panics, backtraces and
    /// `Debug` output of error values, JVM, Python, Node.js, Go, .NET, PHP and
    /// Ruby traces, also when embedded in JSON strings.
    StackTrace,
    /// Database and driver errors: PostgreSQL, MySQL/MariaDB, SQLite, SQL
    /// Server, Oracle, DB2, MongoDB, Redis, and ORM wrappers (sqlx, diesel,
    /// SQLAlchemy, Hibernate, ActiveRecord, Prisma).
    Database,
    /// Internal file-system paths of source files, usually with a line number.
    FilePath,
    /// Connection strings that carry credentials or internal hosts: URL
    /// userinfo, JDBC URLs, ADO.NET and libpq key/value strings.
    ConnectionString,
    /// Private keys and self-identifying token formats (AWS, GitHub, Slack,
    /// Stripe, Google API keys, JSON Web Tokens).
    Secret,
    /// Server and framework version banners such as `nginx/1.22.1` or
    /// `Apache/2.4.57 (Debian) Server at … Port 80`.
    VersionBanner,
    /// Framework debug and error pages (Werkzeug, Django, Rails, Whoops,
    /// ASP.NET, Spring Whitelabel, Laravel, Express, classic ASP, ColdFusion).
    DebugPage,
    /// Dumps of the process environment (`PATH=…`, secret-named variables,
    /// `phpinfo()`).
    EnvironmentDump,
    /// Private, loopback and link-local IPv4 addresses with a port, loopback
    /// host names with a port, and internal host names in resolver errors.
    PrivateAddress,
    /// Signatures added through the builder.
    Custom,
}

impl Category {
    /// Every category, in declaration order.
    pub const ALL: [Category; 10] = [
        Category::StackTrace,
        Category::Database,
        Category::FilePath,
        Category::ConnectionString,
        Category::Secret,
        Category::VersionBanner,
        Category::DebugPage,
        Category::EnvironmentDump,
        Category::PrivateAddress,
        Category::Custom,
    ];

    /// The category's stable snake_case name, e.g. `"stack_trace"`; suitable
    /// for log fields and metrics labels.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::StackTrace => "stack_trace",
            Category::Database => "database",
            Category::FilePath => "file_path",
            Category::ConnectionString => "connection_string",
            Category::Secret => "secret",
            Category::VersionBanner => "version_banner",
            Category::DebugPage => "debug_page",
            Category::EnvironmentDump => "environment_dump",
            Category::PrivateAddress => "private_address",
            Category::Custom => "custom",
        }
    }

    /// Position in [`Category::ALL`], used as a bit index.
    pub(crate) fn index(self) -> usize {
        match self {
            Category::StackTrace => 0,
            Category::Database => 1,
            Category::FilePath => 2,
            Category::ConnectionString => 3,
            Category::Secret => 4,
            Category::VersionBanner => 5,
            Category::DebugPage => 6,
            Category::EnvironmentDump => 7,
            Category::PrivateAddress => 8,
            Category::Custom => 9,
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_indices_are_consistent() {
        for (i, c) in Category::ALL.iter().enumerate() {
            assert_eq!(c.index(), i);
            assert_eq!(c.to_string(), c.as_str());
            assert!(c
                .as_str()
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'_'));
        }
    }
}
