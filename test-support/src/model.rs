//! Driving a local model through the library ([`charms_reactive_model::Model`]); feature
//! `model`.

use std::path::Path;

use charms_reactive_model::{Helpers, InitOptions, Model, ModelView};

use crate::ModelFiles;

/// The helpers of a test model: `hook_tool` (a test's
/// `env!("CARGO_BIN_EXE_reactive-hook-tool")`) and the `reactive-machine` beside it (cargo
/// puts every workspace binary in one directory).
pub fn helpers(hook_tool: impl AsRef<Path>) -> Helpers {
    let hook_tool = hook_tool.as_ref().to_path_buf();
    Helpers {
        machine_helper: hook_tool.with_file_name("reactive-machine"),
        hook_tool,
    }
}

/// A model driven through the library, with its files at hand. Derefs to [`Model`], so a
/// test calls the operations directly; [`TestModel::step`] applies one and settles, as a
/// `reactive model` command does.
#[derive(Debug)]
pub struct TestModel {
    /// The open model.
    pub model: Model,
    /// Its files.
    pub files: ModelFiles,
    helpers: Helpers,
}

impl TestModel {
    /// A new local model in `<root>/model` with `seed` and, if given, `jobs`.
    pub fn init(
        helpers: &Helpers,
        root: &Path,
        seed: u64,
        jobs: Option<u32>,
    ) -> anyhow::Result<TestModel> {
        let mut options = InitOptions {
            seed,
            ..InitOptions::default()
        };
        if let Some(jobs) = jobs {
            options.jobs = jobs;
        }
        let model = Model::init(&root.join("model"), &options, helpers)?;
        let files = ModelFiles::new(model.dir());
        Ok(TestModel {
            model,
            files,
            helpers: helpers.clone(),
        })
    }

    /// Applies `change` to the model, then settles it; returns what `change` returned.
    /// Then the model is loaded from disk again ([`TestModel::reopen`]): the old CLI ran a
    /// process per command, so every step went through the saved file.
    pub fn step<T>(
        &mut self,
        change: impl FnOnce(&mut Model) -> anyhow::Result<T>,
    ) -> anyhow::Result<T> {
        let out = change(&mut self.model)?;
        self.model.settle()?;
        self.reopen()?;
        Ok(out)
    }

    /// Loads the model from its directory again, as the next `reactive model` command (a
    /// process of its own) would; fails if what was saved differs from the state in
    /// memory.
    pub fn reopen(&mut self) -> anyhow::Result<()> {
        let dir = self.model.dir().to_path_buf();
        let reloaded = ModelView::open(&dir, &self.helpers)?;
        anyhow::ensure!(
            serde_json::to_value(reloaded.state())? == serde_json::to_value(self.model.state())?,
            "the model reloaded from {} differs from the one in memory",
            dir.display()
        );
        Ok(())
    }

    /// The hooks `unit` ran, in order (`name` or `name(remote)`).
    pub fn trace(&self, unit: &str) -> Vec<String> {
        self.files.trace(unit)
    }

    /// The hook log.
    pub fn log(&self) -> String {
        self.files.log()
    }

    /// Forgets the hook log, to look at what the next step runs.
    pub fn clear_log(&self) {
        self.files.clear_log()
    }

    /// The model's state file as JSON (as saved by the last step).
    pub fn json(&self) -> serde_json::Value {
        self.files.state()
    }
}

impl std::ops::Deref for TestModel {
    type Target = Model;
    fn deref(&self) -> &Model {
        &self.model
    }
}

impl std::ops::DerefMut for TestModel {
    fn deref_mut(&mut self) -> &mut Model {
        &mut self.model
    }
}
