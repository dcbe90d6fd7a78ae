/** NUMERIC text as money is printed: without trailing zeros ('1.500000' → '1.5', '0.000' → '0'). Exact: no parsing. */
export function normalizeDecimal(value: string): string {
  return value.includes('.') ? value.replace(/0+$/, '').replace(/\.$/, '') : value;
}
