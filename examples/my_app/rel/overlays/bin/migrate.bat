call "%~dp0\my_app" eval MyApp.Release.migrate
