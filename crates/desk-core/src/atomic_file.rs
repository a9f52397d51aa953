//! Files written whole or not at all: to `<path>.part`, synced, then renamed, so a failed or
//! interrupted write never leaves half a file under the real name (nor replaces a good one).

use std::fs::File;
use std::path::{Path, PathBuf};

/// `write` fills the file and hands it back; it is synced and renamed into place.
pub fn write_atomically(
    path: &Path,
    write: impl FnOnce(File) -> std::io::Result<File>,
) -> std::io::Result<()> {
    let mut partial = path.as_os_str().to_owned();
    partial.push(".part");
    let partial = PathBuf::from(partial);
    let written = File::create(&partial)
        .and_then(write)
        .and_then(|file| file.sync_all())
        .and_then(|()| std::fs::rename(&partial, path));
    if written.is_err() {
        // Best effort: the error that matters is the one above.
        let _ = std::fs::remove_file(&partial);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn a_failed_write_leaves_the_good_file_and_no_part() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("out.zip");
        std::fs::write(&path, "old and good").expect("old");
        let failed = write_atomically(&path, |mut f| {
            f.write_all(b"half")?;
            Err(std::io::Error::other("disk full"))
        });
        assert!(failed.is_err());
        assert_eq!(
            std::fs::read_to_string(&path).expect("kept"),
            "old and good"
        );
        assert!(!dir.path().join("out.zip.part").exists());
        write_atomically(&path, |mut f| f.write_all(b"new").map(|()| f)).expect("written");
        assert_eq!(std::fs::read_to_string(&path).expect("new"), "new");
    }
}
