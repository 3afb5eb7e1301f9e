//! Files of the platform are private to its system user: the store, its
//! WAL, stored files, backups, exports and the directories holding them
//! hold every client's data. Under systemd the unit's `UMask=0077` sees to
//! that; started any other way (a shell with umask 022, a container), the
//! process sets the same mask itself before it creates anything, and the
//! directories it makes are 0700 whatever the mask.

use std::io;
use std::path::Path;

/// Sets the process's file mode creation mask to 0077: files are created
/// 0600 (SQLite asks for 0644) and directories 0700. Idempotent; called
/// at the start of the program, the server and the store.
pub fn private_umask() {
    #[cfg(unix)]
    // SAFETY: umask only swaps the process's mask; it cannot fail.
    unsafe {
        libc::umask(0o077);
    }
}

/// `create_dir_all` with 0700 for every directory it creates.
pub fn create_private_dir_all(path: &Path) -> io::Result<()> {
    private_umask();
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(path)
}

/// Creates a new file, 0600, for writing (fails if it exists when `new`).
pub fn create_private_file(path: &Path, new: bool) -> io::Result<std::fs::File> {
    let mut options = std::fs::File::options();
    options.write(true);
    if new {
        options.create_new(true);
    } else {
        options.create(true).truncate(true);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn directories_and_files_are_private() {
        let dir = tempfile::tempdir().unwrap();
        let nested = dir.path().join("a/b");
        create_private_dir_all(&nested).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir.path().join("a")), 0o700);
        assert_eq!(mode(&nested), 0o700);
        let file = nested.join("f");
        drop(create_private_file(&file, true).unwrap());
        assert_eq!(mode(&file), 0o600);
        assert!(create_private_file(&file, true).is_err());
    }
}
