export const PICTURES: string[]
export const PHONE: { width: number; height: number; hasTouch: boolean; isMobile: boolean }
export const DESKTOP: { width: number; height: number }
export function makeScreenshots(folder?: string): Promise<string[]>
