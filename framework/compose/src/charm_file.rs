//! `<name>.charm`: the built charm zipped, modes and symlinks kept.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use zip::write::SimpleFileOptions;

use crate::build_manifest::list_files;
use crate::error::{io, BuildError};

/// Zips `charm_dir` into `dest`.
pub fn write(charm_dir: &Path, dest: &Path) -> Result<(), BuildError> {
    let zip_err = |e: zip::result::ZipError| BuildError::Io {
        path: dest.to_path_buf(),
        source: std::io::Error::other(e),
    };
    let file = std::fs::File::create(dest).map_err(io(dest))?;
    let mut zip = zip::ZipWriter::new(file);
    let mut files = Vec::new();
    list_files(charm_dir, charm_dir, &mut files)?;
    for rel in files {
        let path = charm_dir.join(&rel);
        let meta = std::fs::symlink_metadata(&path).map_err(io(&path))?;
        let options =
            SimpleFileOptions::default().unix_permissions(meta.permissions().mode() & 0o777);
        if meta.file_type().is_symlink() {
            let target = std::fs::read_link(&path).map_err(io(&path))?;
            zip.add_symlink(rel.as_str(), target.to_string_lossy().as_ref(), options)
                .map_err(zip_err)?;
        } else {
            zip.start_file(rel.as_str(), options).map_err(zip_err)?;
            let data = std::fs::read(&path).map_err(io(&path))?;
            zip.write_all(&data).map_err(io(dest))?;
        }
    }
    zip.finish().map_err(zip_err)?;
    Ok(())
}
