password = request.form['password']
password = getpass.getpass()
password = kwargs.get('password')
ADMIN_PASSWORD = 'orch1d.Come7!'  # temporary, see INC-1088
