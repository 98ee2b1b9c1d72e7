//! Unit tests of `log_file.rs`: symlinks, modes, owners and the private directory, on real
//! files in a temporary directory.

use std::os::unix::fs::{MetadataExt, PermissionsExt};

use super::*;

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).expect("metadata").mode() & 0o777
}

#[test]
fn a_new_log_file_is_created_0600_and_appended_to() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("sse.log");
    let log = LogFile::open(&path).expect("opens");
    log.make_writer().write_all(b"one\n").expect("write");
    LogFile::open(&path)
        .expect("reopens")
        .make_writer()
        .write_all(b"two\n")
        .expect("write");
    assert_eq!(mode(&path), 0o600);
    assert_eq!(std::fs::read_to_string(&path).expect("read"), "one\ntwo\n");
}

#[test]
fn a_symlink_at_the_log_path_is_refused_and_its_target_untouched() {
    let dir = tempfile::tempdir().expect("tempdir");
    let target = dir.path().join("victim");
    std::fs::write(&target, "precious").expect("write");
    let link = dir.path().join("sse.log");
    std::os::unix::fs::symlink(&target, &link).expect("symlink");
    let err = LogFile::open(&link).err().expect("refused");
    assert!(err.to_string().contains("symbolic link"), "{err}");
    assert_eq!(std::fs::read_to_string(&target).expect("read"), "precious");
}

#[test]
fn an_existing_world_readable_file_is_narrowed_and_a_non_file_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("sse.log");
    std::fs::write(&path, "").expect("write");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    LogFile::open(&path).expect("opens");
    assert_eq!(mode(&path), 0o600);
    let err = LogFile::open(dir.path())
        .err()
        .expect("a directory is refused");
    assert!(!err.to_string().is_empty());
}

#[test]
fn a_file_planted_by_another_user_is_refused() {
    // Only root can give a file away; elsewhere there is nothing to plant.
    if user::euid() != 0 {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("sse.log");
    std::fs::write(&path, "").expect("write");
    std::os::unix::fs::chown(&path, Some(65534), Some(65534)).expect("chown");
    let err = LogFile::open(&path).err().expect("refused");
    assert!(err.to_string().contains("owned by uid 65534"), "{err}");
}

#[test]
fn the_private_directory_is_created_0700_and_a_shared_one_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let private = dir.path().join("opik-mcp-test");
    private_dir(&private).expect("created");
    assert_eq!(mode(&private), 0o700);
    private_dir(&private).expect("an existing private directory is fine");
    std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o777)).expect("chmod");
    let err = private_dir(&private).expect_err("shared");
    assert!(
        err.to_string().contains("not a private (0700) directory"),
        "{err}"
    );
    let link = dir.path().join("opik-mcp-link");
    std::os::unix::fs::symlink(dir.path(), &link).expect("symlink");
    assert!(
        private_dir(&link).is_err(),
        "a symlinked directory is refused"
    );
}

#[test]
fn the_default_path_is_per_user() {
    let p = crate::config::ServerSettings::default_log_path();
    let dir = p.parent().and_then(Path::file_name).expect("dir name");
    assert_eq!(dir.to_string_lossy(), format!("opik-mcp-{}", user::euid()));
    assert_eq!(p.file_name().expect("file name"), "sse.log");
}
