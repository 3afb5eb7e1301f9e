//! The data directory's lock file (`zezaro.lock`): held for the life of a
//! server, a migration, a demo generation or a restore, so that two of them
//! never share one store.

use std::fs::File;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("cannot use data directory {path}: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("data directory {0} is in use by another running zezaro (lock file zezaro.lock)")]
    Locked(PathBuf),
}

/// Takes the data directory's lock file (creating the directory, 0700);
/// the lock lasts as long as the returned file is open.
pub fn lock_data_dir(data_dir: &Path) -> Result<File, LockError> {
    let io_err = |source| LockError::DataDir {
        path: data_dir.to_owned(),
        source,
    };
    super::files::create_private_dir_all(data_dir).map_err(io_err)?;
    let mut options = File::options();
    options.create(true).truncate(false).write(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let lock = options.open(data_dir.join("zezaro.lock")).map_err(io_err)?;
    match lock.try_lock() {
        Ok(()) => Ok(lock),
        Err(std::fs::TryLockError::WouldBlock) => Err(LockError::Locked(data_dir.to_owned())),
        Err(std::fs::TryLockError::Error(source)) => Err(io_err(source)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_the_same_directory_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let _held = lock_data_dir(dir.path()).unwrap();
        assert!(matches!(
            lock_data_dir(dir.path()),
            Err(LockError::Locked(path)) if path == dir.path()
        ));
    }
}
