r0 = 0
loop:
r0 += 1
goto loop
