print("sealwatch")
