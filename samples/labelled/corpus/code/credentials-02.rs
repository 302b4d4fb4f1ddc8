fn connect(args: &[String], cfg: &Config) -> Result<Pool, Error> {
    let password = cfg.db.password.clone();
    let password = prompt_password("DB password: ")?;
    let db_password = secrets::read("db")?;
    let admin_password = &args[3];
    // TODO remove before merging: the staging pool's password
    let password = "vi0let-H4rbor#8";
    Pool::connect(&cfg.url, password)
}
