//! A throwaway PostgreSQL cluster for the tests: one per test binary, a
//! database per test.
//!
//! - `GIGS_TEST_DATABASE_URL` names a server to use instead (a database
//!   per test is created on it).
//! - Otherwise `initdb` and `postgres` are found on `PATH`, or in the
//!   folder `pg_config --bindir` names (Debian keeps them there), and a
//!   cluster is started in a temporary directory, listening on a Unix
//!   socket only. As root, it runs as the `postgres` user (initdb refuses
//!   root).
//! - A watchdog stops the cluster and deletes its directory once the test
//!   process is gone, whichever way it ends.
//! - Without the binaries the PostgreSQL tests are skipped, with a
//!   message; under CI (`CI` set) they fail instead.

use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The server's connection string, without a database name.
static SERVER: OnceLock<Option<String>> = OnceLock::new();

/// Databases created so far by this process.
static DATABASES: AtomicUsize = AtomicUsize::new(0);

/// A new empty database on the test server, named after `name`; its
/// connection string. `None` when there is no PostgreSQL here (outside
/// CI).
pub fn database(name: &str) -> Option<String> {
    let server = SERVER.get_or_init(start_server).as_ref()?;
    let database = format!(
        "{}_{}",
        name.replace(|c: char| !c.is_ascii_alphanumeric(), "_"),
        DATABASES.fetch_add(1, Ordering::SeqCst)
    );
    let psql = |sql: &str| {
        run(
            Command::new(binary("psql").unwrap_or_else(|| PathBuf::from("psql")))
                .arg(format!("{server} dbname=postgres"))
                .args(["-q", "-v", "ON_ERROR_STOP=1", "-c", sql]),
        )
    };
    psql(&format!("DROP DATABASE IF EXISTS {database}"));
    psql(&format!("CREATE DATABASE {database}"));
    Some(format!("{server} dbname={database}"))
}

/// The server to test against: the one named, or a cluster of our own.
fn start_server() -> Option<String> {
    if let Ok(url) = std::env::var("GIGS_TEST_DATABASE_URL") {
        return Some(url);
    }
    let (Some(initdb), Some(postgres)) = (binary("initdb"), binary("postgres")) else {
        let message = "PostgreSQL's server binaries (initdb, postgres) are not installed: \
                       `apt-get install postgresql`";
        assert!(std::env::var_os("CI").is_none(), "{message}");
        eprintln!("skipping the PostgreSQL tests: {message}");
        return None;
    };
    let dir = std::env::temp_dir().join(format!("gigs-receiver-pg-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let as_postgres = is_root();
    if as_postgres {
        run(Command::new("chown").arg("postgres:").arg(&dir));
    }
    let data = dir.join("data");
    run(command(&initdb, as_postgres, &dir)
        .args(["-A", "trust", "-N", "-U", "postgres", "-D"])
        .arg(&data)
        .stdout(Stdio::null()));
    // The watchdog: starts the postmaster, and once this process is gone
    // (passed or failed or killed), stops it and deletes the cluster.
    let postmaster = format!(
        "{} {} -D {} -k {} -c listen_addresses= -c fsync=off -c max_connections=300",
        if as_postgres {
            "setpriv --reuid=postgres --regid=postgres --clear-groups"
        } else {
            ""
        },
        postgres.display(),
        data.display(),
        dir.display(),
    );
    let watchdog = format!(
        "{postmaster} >{log} 2>&1 & pg=$!; \
         while kill -0 {parent} 2>/dev/null && kill -0 $pg 2>/dev/null; do sleep 0.5; done; \
         kill -INT $pg 2>/dev/null; wait $pg; rm -rf {dir}",
        log = dir.join("log").display(),
        parent = std::process::id(),
        dir = dir.display(),
    );
    // Never waited for: it outlives this process on purpose, to clean up
    // after it, and is then reaped by init.
    #[expect(clippy::zombie_processes, reason = "the watchdog outlives the tests")]
    Command::new("bash")
        .args(["-c", &watchdog])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_until_ready(&dir);
    Some(format!("host={} user=postgres", dir.display()))
}

/// Waits for the postmaster to accept connections on its socket in `dir`.
fn wait_until_ready(dir: &Path) {
    let deadline = Instant::now() + Duration::from_secs(30);
    let isready = binary("pg_isready").unwrap_or_else(|| PathBuf::from("pg_isready"));
    while !Command::new(&isready)
        .arg("-h")
        .arg(dir)
        .arg("-q")
        .status()
        .is_ok_and(|status| status.success())
    {
        assert!(
            Instant::now() < deadline,
            "PostgreSQL did not start within 30 s; its log: {}",
            std::fs::read_to_string(dir.join("log")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `program`, run as the `postgres` user when `as_postgres`, in `dir`.
fn command(program: &Path, as_postgres: bool, dir: &Path) -> Command {
    let mut command = if as_postgres {
        let mut command = Command::new("setpriv");
        command
            .args(["--reuid=postgres", "--regid=postgres", "--clear-groups"])
            .arg(program);
        command
    } else {
        Command::new(program)
    };
    command.current_dir(dir);
    command
}

/// Runs `command`, which must succeed.
fn run(command: &mut Command) {
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "{command:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Whether this process runs as root: the owner of its `/proc` entry.
fn is_root() -> bool {
    std::fs::metadata("/proc/self").is_ok_and(|metadata| metadata.uid() == 0)
}

/// A PostgreSQL program: on `PATH`, or in `pg_config --bindir`.
pub fn binary(name: &str) -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|candidate| candidate.is_file())
    });
    on_path.or_else(|| {
        let output = Command::new("pg_config").arg("--bindir").output().ok()?;
        let dir = PathBuf::from(String::from_utf8(output.stdout).ok()?.trim());
        Some(dir.join(name)).filter(|candidate| candidate.is_file())
    })
}
