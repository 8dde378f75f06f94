import cProfile, pstats, runpy, os
pr = cProfile.Profile(); pr.enable()
runpy.run_path("/work/wt-app/app/main.py", run_name="__main__")
pr.disable()
if os.environ.get("PROF_OUT"):
    pstats.Stats(pr).dump_stats(os.environ["PROF_OUT"])
