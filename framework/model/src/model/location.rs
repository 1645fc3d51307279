//! Where a model lives when no directory is given: `REACTIVE_MODEL`, else
//! `$XDG_DATA_HOME/reactive/model`, else `$HOME/.local/share/reactive/model` (the XDG
//! base directory rule; an empty variable counts as unset, as the XDG specification says).

use std::ffi::OsString;
use std::path::PathBuf;

/// The variable naming the model directory.
pub const MODEL_VAR: &str = "REACTIVE_MODEL";

/// The default model directory, the variables read through `var`.
pub(super) fn default_dir_from(var: impl Fn(&str) -> Option<OsString>) -> anyhow::Result<PathBuf> {
    let set = |name: &str| var(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    if let Some(dir) = set(MODEL_VAR) {
        return Ok(dir);
    }
    let data = set("XDG_DATA_HOME")
        .or_else(|| set("HOME").map(|home| home.join(".local").join("share")))
        .ok_or_else(|| {
            anyhow::anyhow!(
                "no model directory: set {MODEL_VAR}, XDG_DATA_HOME or HOME, or pass --model"
            )
        })?;
    Ok(data.join("reactive").join("model"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(vars: &[(&str, &str)]) -> anyhow::Result<PathBuf> {
        default_dir_from(|name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| OsString::from(v))
        })
    }

    #[test]
    fn the_model_variable_then_xdg_data_home_then_home() -> anyhow::Result<()> {
        let all = [
            (MODEL_VAR, "/m"),
            ("XDG_DATA_HOME", "/xdg"),
            ("HOME", "/home/u"),
        ];
        assert_eq!(dir(&all)?, PathBuf::from("/m"));
        assert_eq!(dir(&all[1..])?, PathBuf::from("/xdg/reactive/model"));
        assert_eq!(
            dir(&all[2..])?,
            PathBuf::from("/home/u/.local/share/reactive/model")
        );
        Ok(())
    }

    #[test]
    fn empty_values_are_unset_and_none_at_all_is_an_error() -> anyhow::Result<()> {
        let empty = [(MODEL_VAR, ""), ("XDG_DATA_HOME", ""), ("HOME", "/h")];
        assert_eq!(
            dir(&empty)?,
            PathBuf::from("/h/.local/share/reactive/model")
        );
        let err = dir(&[("HOME", "")]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "no model directory: set REACTIVE_MODEL, XDG_DATA_HOME or HOME, or pass --model"
        );
        Ok(())
    }
}
