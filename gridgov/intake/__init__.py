"""Intake by people: the snap-and-report page (随手拍), the grid worker's patrol report, the hotline clerk's form."""
