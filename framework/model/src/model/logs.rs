//! Reading the model's logs.

use super::ModelView;
use crate::logs::read_log;

impl ModelView {
    /// The hook log: one line per hook run (`<seq> <unit> <hook>[(<remote>)] …`); empty
    /// before the first hook. The error names the file.
    pub fn hook_log(&self) -> anyhow::Result<String> {
        read_log(&self.paths.hook_log())
    }

    /// The debug log's lines, all or only `unit`'s; none before the first hook. The
    /// error names the file.
    pub fn debug_log(&self, unit: Option<&str>) -> anyhow::Result<Vec<String>> {
        let text = read_log(&self.paths.debug_log())?;
        Ok(text
            .lines()
            .filter(|l| unit.is_none_or(|u| l.starts_with(&format!("{u} "))))
            .map(str::to_string)
            .collect())
    }
}
