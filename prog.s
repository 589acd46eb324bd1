r0 = 0
may_goto -2