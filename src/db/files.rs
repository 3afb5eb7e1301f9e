//! Files of the platform are private to its system user: the store, its
//! WAL, stored files, backups, exports and the directories holding them
//! hold every client's data. Whatever the umask (a shell with 022, a
//! container), everything is created with explicit modes: files 0600,
//! directories 0700 (the store is made 0600 before SQLite opens it, which
//! gives its WAL and shared-memory files the same mode). The program also
//! sets `umask 077` at its start, for anything a library creates; the
//! library itself leaves the process's mask alone (an embedding process,
//! like the tests, keeps its own).

use std::io;
use std::path::Path;

/// Sets the process's file mode creation mask to 0077 (the program's
/// `main`).
#[allow(unsafe_code)]
pub fn private_umask() {
    #[cfg(unix)]
    // SAFETY: umask only swaps the process's mask; it cannot fail.
    unsafe {
        libc::umask(0o077);
    }
}

/// `create_dir_all` with 0700 for every directory it creates.
pub fn create_private_dir_all(path: &Path) -> io::Result<()> {
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

/// Creates an empty file 0600 unless one is there (the store, before
/// SQLite opens it: an empty file is an empty database).
pub fn ensure_private_file(path: &Path) -> io::Result<()> {
    match create_private_file(path, true) {
        Ok(_) => Ok(()),
        Err(err) if err.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        Err(err) => Err(err),
    }
}

/// `tokio::fs::create_dir_all` with 0700 for every directory it creates.
pub async fn create_private_dir_all_async(path: &Path) -> io::Result<()> {
    let mut builder = tokio::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    builder.mode(0o700);
    builder.create(path).await
}

/// A new file, 0600, for writing (async).
pub async fn create_private_file_async(path: &Path) -> io::Result<tokio::fs::File> {
    let mut options = tokio::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    options.mode(0o600);
    options.open(path).await
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
