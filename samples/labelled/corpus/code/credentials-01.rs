fn connect(args: &[String], cfg: &Config) -> Result<Pool, Error> {
    let db_password = &matches.value_of("pass");
    let admin_password = prompt_password("DB password: ")?;
    let admin_password = format!("{}{}", a, b);
    let db_password = secrets::read("db")?;
    // TODO remove before merging: the staging pool's password
    let password = "Viole7-Glaci3r-Mapl3#1";
    Pool::connect(&cfg.url, password)
}
