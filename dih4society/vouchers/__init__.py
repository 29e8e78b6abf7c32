"""The voucher agreement the beneficiary accepts before delivery, and the voucher's validity."""
